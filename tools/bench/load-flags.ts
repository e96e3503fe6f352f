import { parseArgs } from 'node:util';

/** Every flag of bench:load: the number ones with their defaults, then the rest. */
const NUMBERS = {
  'step-seconds': ['120', 'length of each step of the rate search'],
  'warmup-seconds': ['10', 'load at --start-rps before the search (not judged)'],
  'start-rps': ['50', 'first rate of the search'],
  growth: ['1.5', 'factor between steps until one is not sustainable'],
  'max-rps': ['5000', 'the search goes no higher'],
  bisections: ['3', 'steps between the highest sustainable and the lowest unsustainable rate'],
  'max-steps': ['16', 'at most this many steps in all'],
  'soak-seconds': ['600', 'length of the soak'],
  'soak-fraction': ['0.8', 'soak rate as a share of the sustainable rate'],
  'overload-seconds': ['60', 'length of the overload'],
  'overload-factor': ['2', 'overload rate as a multiple of the sustainable rate'],
  'slo-p99-ms': [
    process.env.SLO_LATENCY_P99_MS ?? '500',
    "admitted p99 a sustainable rate keeps (also the monitor's SLO_LATENCY_P99_MS)",
  ],
  'max-error-rate': ['0.01', 'share of requests without a 200 a sustainable rate may have'],
  'lag-slack-seconds': [
    '1',
    "the monitor's lag may grow by this many seconds of traffic from a step's middle to its end",
  ],
  'max-in-flight': ['512', 'requests out at once; one due beyond that is shed by the client'],
  'request-timeout-ms': ['30000', 'a request with no answer by then counts as a timeout'],
  'drain-timeout-seconds': ['300', 'longest wait for the monitor to count every answered prediction'],
  'stall-seconds': ['30', 'a wait for the monitor gives up when its count has not moved for this long'],
  'probe-ms': ['1000', "how often the monitor's count is read"],
  'shed-target-ms': ['50', 'p99 from request start to a 429/503 answer under overload'],
  'recovery-target-seconds': ['30', 'gateway ready and monitor drained this soon after the overload'],
  'id-check-limit': ['50000', 'soak ids asked of the monitor one by one (a random sample beyond this)'],
  'rss-growth-mb': [
    '25',
    'memory counts as flat when no process grew more than this from the first to the last quarter of the soak',
  ],
} as const satisfies Record<string, readonly [string, string]>;

type NumberFlag = keyof typeof NUMBERS;
const camel = (s: string) => s.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

type Camel<S extends string> = S extends `${infer A}-${infer B}` ? `${A}${Capitalize<Camel<B>>}` : S;

export type LoadFlags = { [K in NumberFlag as Camel<K>]: number } & {
  stacks: string[];
  assumeRps: number | undefined;
  logLevel: string;
  keep: boolean;
};

export const USAGE = [
  'npm run bench:load -- [flags]',
  '  --stack local,redis,postgres   stacks to measure, one platform at a time',
  '  --assume-rps N                 skip the search: soak and overload relative to N',
  "  --log-level warn               the apps' log level",
  "  --keep                         keep each stack's data dir and logs",
  ...Object.entries(NUMBERS).map(([name, [value, help]]) => `  --${name} ${value}`.padEnd(33) + help),
].join('\n');

/** Reads the command line; every problem is reported at once. */
export function parseLoadFlags(args: string[]): LoadFlags {
  const numberOptions = Object.fromEntries(
    Object.entries(NUMBERS).map(([name, [value]]) => [name, { type: 'string' as const, default: value }]),
  );
  const { values } = parseArgs({
    args,
    options: {
      ...numberOptions,
      stack: { type: 'string', default: 'local,redis,postgres' },
      'assume-rps': { type: 'string' },
      'log-level': { type: 'string', default: 'warn' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const problems: string[] = [];
  const given = values as Record<string, unknown>;
  const numbers: Record<string, number> = {};
  for (const name of Object.keys(NUMBERS)) {
    const n = Number(given[name]);
    if (!Number.isFinite(n) || n < 0) problems.push(`--${name} "${String(given[name])}" is not a number ≥ 0`);
    numbers[camel(name)] = n;
  }
  const assume = values['assume-rps'] === undefined ? undefined : Number(values['assume-rps']);
  if (assume !== undefined && !(assume > 0))
    problems.push(`--assume-rps "${values['assume-rps']}" is not a positive number`);
  if (!(numbers.startRps! > 0)) problems.push('--start-rps must be above 0');
  if (!(numbers.growth! > 1)) problems.push('--growth must be above 1');
  const stacks = String(values.stack)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!stacks.length) problems.push('--stack names no stack');
  if (problems.length) {
    process.stderr.write(`bench:load: ${problems.join('; ')}\n\n${USAGE}\n`);
    process.exit(2);
  }
  return {
    ...(numbers as unknown as LoadFlags),
    stacks,
    assumeRps: assume,
    logLevel: String(values['log-level']),
    keep: Boolean(values.keep),
  };
}
