import { existsSync } from 'node:fs';
import { repoPath } from './paths.ts';

export const KINDS = ['pubsub', 'state', 'secrets', 'artifacts', 'conversation'] as const;
export type Kind = (typeof KINDS)[number];
export type Stack = { name: string; choices: Record<Kind, string> };

/**
 * Named environments. `local` needs no server: pub/sub over an MQTT broker
 * the launcher embeds (Dapr's in-memory pub/sub cannot cross sidecars),
 * SQLite state, local-file secrets, local-storage artifacts. Other profiles
 * change only what they name.
 */
export const PROFILES: Record<string, Partial<Record<Kind, string>>> = {
  local: {
    pubsub: 'embedded',
    state: 'sqlite',
    secrets: 'local-file',
    artifacts: 'local-storage',
    conversation: 'echo',
  },
  redis: { pubsub: 'redis', state: 'redis' },
  postgres: { state: 'postgres', pubsub: 'rabbitmq' },
  rabbitmq: { pubsub: 'rabbitmq' },
  jetstream: { pubsub: 'jetstream' },
  mqtt: { pubsub: 'mqtt' },
  kafka: { pubsub: 'kafka' },
};

/**
 * Reads MERIDIAN_STACK: profile names and kind=choice pairs, comma separated,
 * applied left to right on top of `local` ("redis", "postgres",
 * "pubsub=kafka,state=postgres", "redis,state=postgres").
 */
export function resolveStack(spec = 'local'): Stack {
  const choices = { ...PROFILES.local } as Record<Kind, string>;
  const problems: string[] = [];
  for (const token of spec
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)) {
    const [key, value] = token.split('=').map((s) => s.trim());
    if (value === undefined) {
      const profile = PROFILES[key!];
      if (!profile) problems.push(`unknown profile "${key}" (profiles: ${Object.keys(PROFILES).join(', ')})`);
      else Object.assign(choices, profile);
    } else if (!(KINDS as readonly string[]).includes(key!)) {
      problems.push(`unknown kind "${key}" (kinds: ${KINDS.join(', ')})`);
    } else {
      choices[key as Kind] = value;
    }
  }
  for (const kind of KINDS) {
    if (!existsSync(repoPath('components', kind, choices[kind]))) {
      problems.push(`no component folder components/${kind}/${choices[kind]}`);
    }
  }
  if (problems.length) throw new Error(`MERIDIAN_STACK="${spec}": ${problems.join('; ')}`);
  return { name: spec, choices };
}

/** Input bindings every stack loads (each is scoped to the app that handles it). */
export const BINDING_FOLDERS = ['bindings/mqtt'];

/** The resource folders daprd loads for a stack: one per kind, the input bindings, and Resiliency. */
export function resourcePaths(stack: Stack): string[] {
  return [
    ...KINDS.map((k) => repoPath('components', k, stack.choices[k])),
    ...BINDING_FOLDERS.map((b) => repoPath('components', b)),
    repoPath('configuration', 'resiliency'),
  ];
}

export function usesEmbeddedBroker(stack: Stack): boolean {
  return stack.choices.pubsub === 'embedded';
}

/** Kafka pub/sub and no MERIDIAN_KAFKA_BROKERS of the user's own: the platform starts kfake-broker (tools/kafka). */
export function usesKafkaBroker(stack: Stack, env: NodeJS.ProcessEnv = process.env): boolean {
  return stack.choices.pubsub === 'kafka' && !env.MERIDIAN_KAFKA_BROKERS;
}
