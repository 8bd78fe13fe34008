import { ConfigError } from '../domain/errors.js';

/** ENVIRONMENT values that count as development. Anything else, misspellings included, is production. */
export const DEVELOPMENT_ENVIRONMENTS = ['development', 'dev', 'test', 'local'] as const;

/** Defaults, in one place (README "Configuration" lists them). */
export const CONFIG_DEFAULTS = {
  environment: 'production',
  devMode: false,
  apiHost: '127.0.0.1',
  apiPort: 8000,
  dataDir: './data',
  logLevel: 'info',
} as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface Config {
  environment: string;
  isDevelopmentEnvironment: boolean;
  devMode: boolean;
  /** PostgreSQL URL; undefined selects the embedded PGlite database under dataDir. */
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  apiHost: string;
  apiPort: number;
  dataDir: string;
  logLevel: (typeof LOG_LEVELS)[number];
}

/** DEV_MODE=true outside a development ENVIRONMENT (runbook §11.1 DevModeEnvironmentMismatchError). */
export class DevModeEnvironmentMismatchError extends ConfigError {}

/**
 * Parses and validates configuration once, failing closed: an unknown or misspelled ENVIRONMENT is production,
 * and a bad value stops startup with ConfigError CONFIG_INVALID naming the variable and what it accepts.
 * Throws DevModeEnvironmentMismatchError when DEV_MODE=true outside development.
 */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const environment = (env.ENVIRONMENT ?? CONFIG_DEFAULTS.environment).trim().toLowerCase();
  const isDevelopmentEnvironment = (DEVELOPMENT_ENVIRONMENTS as readonly string[]).includes(environment);
  const devMode = parseBoolean(env, 'DEV_MODE', CONFIG_DEFAULTS.devMode);
  if (devMode && !isDevelopmentEnvironment) {
    throw new DevModeEnvironmentMismatchError({
      code: 'CONFIG_DEV_MODE_ENVIRONMENT_MISMATCH',
      message: `DEV_MODE=true but ENVIRONMENT=${env.ENVIRONMENT ?? '(unset)'} is not a development environment (${DEVELOPMENT_ENVIRONMENTS.join(', ')}); set DEV_MODE=false, or ENVIRONMENT=development on a development machine`,
    });
  }
  return {
    environment,
    isDevelopmentEnvironment,
    devMode,
    databaseUrl: parseUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: parseUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    apiHost: nonEmpty(env, 'API_HOST') ?? CONFIG_DEFAULTS.apiHost,
    apiPort: parsePort(env, 'API_PORT', CONFIG_DEFAULTS.apiPort),
    dataDir: nonEmpty(env, 'ARCHON72_DATA_DIR') ?? CONFIG_DEFAULTS.dataDir,
    logLevel: parseChoice(env, 'LOG_LEVEL', LOG_LEVELS, CONFIG_DEFAULTS.logLevel),
  };
}

function nonEmpty(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function invalid(name: string, value: string, accepted: string): ConfigError {
  return new ConfigError({ code: 'CONFIG_INVALID', message: `${name}=${JSON.stringify(value)} is invalid; expected ${accepted}`, details: { variable: name } });
}

function parseBoolean(env: Record<string, string | undefined>, name: string, fallback: boolean): boolean {
  const value = nonEmpty(env, name);
  if (value === undefined) return fallback;
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw invalid(name, value, 'true or false');
}

function parsePort(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const value = nonEmpty(env, name);
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw invalid(name, value, 'a port number 1–65535');
  return port;
}

function parseUrl(env: Record<string, string | undefined>, name: string, protocols: string[]): string | undefined {
  const value = nonEmpty(env, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(name, '(not shown: may hold a password)', `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  if (!protocols.includes(url.protocol)) throw invalid(name, `${url.protocol}//…`, `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  return value;
}

function parseChoice<T extends string>(env: Record<string, string | undefined>, name: string, choices: readonly T[], fallback: T): T {
  const value = nonEmpty(env, name);
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) throw invalid(name, value, choices.join(', '));
  return value as T;
}
