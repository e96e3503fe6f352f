import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Components } from '@meridian/contracts';
import { repoPath } from './paths.ts';
import { KINDS } from './stack.ts';

const NAME: Record<(typeof KINDS)[number], string> = {
  pubsub: Components.pubsub,
  state: Components.state,
  secrets: Components.secrets,
  artifacts: Components.artifacts,
  conversation: Components.conversation,
};

describe('components/<kind>/<choice>', () => {
  for (const kind of KINDS) {
    it(`when any ${kind} choice is picked, then it is one valid Component named ${NAME[kind]}`, () => {
      const choices = readdirSync(repoPath('components', kind));
      expect(choices.length).toBeGreaterThan(1);
      for (const choice of choices) {
        const files = readdirSync(repoPath('components', kind, choice)).filter((f) => f.endsWith('.yaml'));
        expect(files, `${kind}/${choice}`).toHaveLength(1);
        const doc = parse(readFileSync(repoPath('components', kind, choice, files[0]!), 'utf8'));
        expect(doc, `${kind}/${choice}`).toMatchObject({
          apiVersion: 'dapr.io/v1alpha1',
          kind: 'Component',
          metadata: { name: NAME[kind] },
        });
        expect(typeof doc.spec.type, `${kind}/${choice}`).toBe('string');
        expect(Array.isArray(doc.spec.metadata ?? []), `${kind}/${choice}`).toBe(true);
      }
    });
  }
});
