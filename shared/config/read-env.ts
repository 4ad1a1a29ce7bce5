import { ConfigError } from '#shared/errors';

/** Environment as a plain record, so config parsing is testable without touching process.env. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A required variable; throws ConfigError naming it when missing or empty. */
export function requireEnv(env: Env, name: string, hint = ''): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(`${name} is required but not set${hint ? `: ${hint}` : ''}`);
  }
  return value;
}

/** An optional variable: undefined when unset; never a silent default. */
export function optionalEnv(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** A boolean variable (`true`/`false`/`1`/`0`); `fallback` when unset, an error for anything else. */
export function booleanEnv(env: Env, name: string, fallback: boolean): boolean {
  const value = optionalEnv(env, name);
  if (value === undefined) return fallback;
  if (/^(true|1)$/i.test(value)) return true;
  if (/^(false|0)$/i.test(value)) return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(value)}`);
}

/** An integer variable within [min, max]; `fallback` when unset. */
export function integerEnv(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = optionalEnv(env, name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigError(`${name} must be an integer ${min}..${max}, got ${JSON.stringify(value)}`);
  }
  return parsed;
}
