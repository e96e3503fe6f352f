import { describe, expect, it } from 'vitest';
import { resolveStack, resourcePaths, usesEmbeddedBroker } from './stack.ts';

describe('resolveStack (MERIDIAN_STACK)', () => {
  it('when unset, then the embedded default needs no server', () => {
    const stack = resolveStack();
    expect(stack.choices).toEqual({
      pubsub: 'embedded',
      state: 'sqlite',
      secrets: 'local-file',
      artifacts: 'local-storage',
      conversation: 'echo',
    });
    expect(usesEmbeddedBroker(stack)).toBe(true);
  });

  it('when a profile is named, then only what it names changes', () => {
    expect(resolveStack('postgres').choices).toMatchObject({
      state: 'postgres',
      pubsub: 'rabbitmq',
      secrets: 'local-file',
    });
    expect(resolveStack('redis').choices).toMatchObject({ state: 'redis', pubsub: 'redis' });
  });

  it('when kind=choice pairs follow, then they override left to right', () => {
    expect(resolveStack('pubsub=kafka,state=postgres').choices).toMatchObject({ pubsub: 'kafka', state: 'postgres' });
    expect(resolveStack('redis,state=postgres').choices).toMatchObject({ pubsub: 'redis', state: 'postgres' });
  });

  it('when a profile, kind or folder is unknown, then every problem is named', () => {
    expect(() => resolveStack('nosuch,color=red,state=oracle')).toThrow(
      /unknown profile "nosuch".*unknown kind "color".*components\/state\/oracle/,
    );
  });

  it('when resolved, then daprd gets one folder per kind, the input bindings and the resiliency policies', () => {
    const paths = resourcePaths(resolveStack('redis'));
    expect(paths.map((p) => p.split('/').slice(-2).join('/'))).toEqual([
      'pubsub/redis',
      'state/redis',
      'secrets/local-file',
      'artifacts/local-storage',
      'conversation/echo',
      'bindings/mqtt',
      'configuration/resiliency',
    ]);
  });
});
