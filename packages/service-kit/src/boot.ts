import type { z } from 'zod';
import { EnvError, parseEnv } from './env.ts';

/** Parses the environment for a service's entry point; on failure prints every problem and exits. */
export function bootEnv<S extends z.ZodRawShape>(shape: S): z.infer<z.ZodObject<S>> {
  try {
    return parseEnv(shape);
  } catch (err) {
    if (err instanceof EnvError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
