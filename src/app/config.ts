import { sha256 } from '@noble/hashes/sha2.js';
import { ConfigError } from '../domain/errors.js';
import { fromHex, utf8 } from '../domain/encoding/bytes.js';

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
  hsmSessions: 4,
  witnessBootstrapEnabled: false,
  haltPollMs: 500,
  replicaMaxLagEvents: 100,
} as const;

/** Most PKCS#11 sessions the signer pool opens (HSMs cap sessions per application; CloudHSM allows 1024). */
export const MAX_HSM_SESSIONS = 64;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LOG_FORMATS = ['json', 'pretty'] as const;

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
  /** LOG_FORMAT: one JSON object per line (default outside development), or readable lines (default in development). */
  logFormat: (typeof LOG_FORMATS)[number];
  /** PKCS#11 settings, used when DEV_MODE=false. Missing values are reported when custody opens (HSMNotConfiguredError). */
  hsm: HsmConfig;
  /** WITNESS_BOOTSTRAP_ENABLED: provision the initial witness pool at startup; refused once a pool exists in production. */
  witnessBootstrapEnabled: boolean;
  /** SHA-256 of ADMIN_TOKEN (or ADMIN_TOKEN_SHA256 as given); undefined disables POST /v1/admin/halt. */
  adminTokenSha256: Uint8Array | undefined;
  /** HALT_POLL_MS: how often each instance re-reads halt_state (the canonical halt), besides the channel's push. */
  haltPollMs: number;
  /** DATABASE_READ_URL: a read replica of DATABASE_URL, checked by pre-operational verification (replica sync). */
  databaseReadUrl: string | undefined;
  /** REPLICA_MAX_LAG_EVENTS: how many events the replica may be behind the primary at startup. */
  replicaMaxLagEvents: number;
  /**
   * ALLOW_VERIFICATION_BYPASS=true: outside production, a failed pre-operational check other than the hash chain and
   * the halt state lets the service start, at most 3 times an hour, never after a halt. Refused in production.
   */
  allowVerificationBypass: boolean;
}

export interface HsmConfig {
  /** HSM_PKCS11_LIBRARY: path of the vendor's PKCS#11 module (.so). */
  libraryPath: string | undefined;
  /** HSM_TOKEN_LABEL: label of the token (partition) holding the keys. */
  tokenLabel: string | undefined;
  /** HSM_PIN: the crypto user's PIN. Never logged. */
  pin: string | undefined;
  /** HSM_PIN_FILE: a file holding the PIN (a mounted secret); mutually exclusive with HSM_PIN. */
  pinFile: string | undefined;
  /** HSM_SESSIONS: signing sessions opened in parallel. */
  sessions: number;
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
  const allowVerificationBypass = parseBoolean(env, 'ALLOW_VERIFICATION_BYPASS', false);
  const pin = env.HSM_PIN === undefined || env.HSM_PIN === '' ? undefined : env.HSM_PIN;
  const pinFile = nonEmpty(env, 'HSM_PIN_FILE');
  if (pin !== undefined && pinFile !== undefined) {
    throw new ConfigError({ code: 'CONFIG_INVALID', message: 'HSM_PIN and HSM_PIN_FILE are both set; set only one (HSM_PIN_FILE for a mounted secret)', details: { variable: 'HSM_PIN_FILE' } });
  }
  const adminToken = env.ADMIN_TOKEN === undefined || env.ADMIN_TOKEN === '' ? undefined : env.ADMIN_TOKEN;
  const adminTokenHash = nonEmpty(env, 'ADMIN_TOKEN_SHA256');
  if (adminToken !== undefined && adminTokenHash !== undefined) {
    throw new ConfigError({ code: 'CONFIG_INVALID', message: 'ADMIN_TOKEN and ADMIN_TOKEN_SHA256 are both set; set only one', details: { variable: 'ADMIN_TOKEN_SHA256' } });
  }
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError({ code: 'CONFIG_INVALID', message: 'ADMIN_TOKEN is shorter than 16 characters; use a long random token (e.g. openssl rand -hex 32)', details: { variable: 'ADMIN_TOKEN' } });
  }
  const adminTokenSha256 = adminToken !== undefined ? sha256(utf8(adminToken)) : adminTokenHash === undefined ? undefined : parseSha256(adminTokenHash);
  const databaseUrl = parseUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const databaseReadUrl = parseUrl(env, 'DATABASE_READ_URL', ['postgres:', 'postgresql:']);
  if (databaseReadUrl !== undefined && databaseUrl === undefined) {
    throw new ConfigError({ code: 'CONFIG_INVALID', message: 'DATABASE_READ_URL is set without DATABASE_URL; a read replica needs its PostgreSQL primary', details: { variable: 'DATABASE_READ_URL' } });
  }
  const config: Config = {
    environment,
    isDevelopmentEnvironment,
    devMode,
    databaseUrl,
    redisUrl: parseUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    apiHost: nonEmpty(env, 'API_HOST') ?? CONFIG_DEFAULTS.apiHost,
    apiPort: parsePort(env, 'API_PORT', CONFIG_DEFAULTS.apiPort),
    dataDir: nonEmpty(env, 'ARCHON72_DATA_DIR') ?? CONFIG_DEFAULTS.dataDir,
    logLevel: parseChoice(env, 'LOG_LEVEL', LOG_LEVELS, CONFIG_DEFAULTS.logLevel),
    logFormat: parseChoice(env, 'LOG_FORMAT', LOG_FORMATS, isDevelopmentEnvironment ? 'pretty' : 'json'),
    hsm: {
      libraryPath: nonEmpty(env, 'HSM_PKCS11_LIBRARY'),
      tokenLabel: nonEmpty(env, 'HSM_TOKEN_LABEL'),
      pin,
      pinFile,
      sessions: parseInteger(env, 'HSM_SESSIONS', 1, MAX_HSM_SESSIONS, CONFIG_DEFAULTS.hsmSessions),
    },
    witnessBootstrapEnabled: parseBoolean(env, 'WITNESS_BOOTSTRAP_ENABLED', CONFIG_DEFAULTS.witnessBootstrapEnabled),
    adminTokenSha256,
    haltPollMs: parseInteger(env, 'HALT_POLL_MS', 50, 10_000, CONFIG_DEFAULTS.haltPollMs),
    databaseReadUrl,
    replicaMaxLagEvents: parseInteger(env, 'REPLICA_MAX_LAG_EVENTS', 0, 1_000_000, CONFIG_DEFAULTS.replicaMaxLagEvents),
    allowVerificationBypass,
  };
  // Consistency after every value parsed (startup order: configuration, then DEV_MODE/ENVIRONMENT consistency).
  if (devMode && !isDevelopmentEnvironment) {
    throw new DevModeEnvironmentMismatchError({
      code: 'CONFIG_DEV_MODE_ENVIRONMENT_MISMATCH',
      message: `DEV_MODE=true but ENVIRONMENT=${env.ENVIRONMENT ?? '(unset)'} is not a development environment (${DEVELOPMENT_ENVIRONMENTS.join(', ')}); set DEV_MODE=false, or ENVIRONMENT=development on a development machine`,
    });
  }
  if (allowVerificationBypass && !isDevelopmentEnvironment) {
    // Runbook §5.2 and §7.1: forbidden in production. Outside it the bypass is bounded (src/domain/governance/preoperational.ts).
    throw new ConfigError({
      code: 'CONFIG_FORBIDDEN',
      message: `ALLOW_VERIFICATION_BYPASS=true is forbidden in production (ENVIRONMENT=${environment}; runbook §7.1); unset ALLOW_VERIFICATION_BYPASS`,
      details: { variable: 'ALLOW_VERIFICATION_BYPASS' },
    });
  }
  return config;
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

function parseSha256(hex: string): Uint8Array {
  const bytes = /^[0-9a-f]{64}$/.test(hex) ? fromHex(hex) : undefined;
  if (bytes === undefined) throw invalid('ADMIN_TOKEN_SHA256', '(not shown)', '64 lowercase hex digits (sha256sum of the token)');
  return bytes;
}

function parseInteger(env: Record<string, string | undefined>, name: string, min: number, max: number, fallback: number): number {
  const value = nonEmpty(env, name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw invalid(name, value, `a whole number ${min}–${max}`);
  return n;
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
