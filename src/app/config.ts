import { isIP } from 'node:net';
import { sha256 } from '@noble/hashes/sha2.js';
import { ConfigError, StartupFloorViolationError } from '../domain/errors.js';
import { fromBase64, fromHex, utf8 } from '../domain/encoding/bytes.js';
import { isValidKeyName } from '../domain/note/signed-note.js';

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
  /** Requests one client address may make to /v1/observer/* per minute (runbook FR48). */
  rateLimitPerMinute: 600,
  /** A checkpoint is published once this many events are not yet in one (docs/PROTOCOL.md §15.3)… */
  checkpointEveryEvents: 1000,
  /** …or once the latest checkpoint is this old and events exist beyond it. */
  checkpointIntervalSeconds: 60,
  /** The checkpoint origin (the log's name) in DEV_MODE when CHECKPOINT_ORIGIN is unset. */
  devCheckpointOrigin: 'archon72.invalid/dev',
  /** CHECKPOINT_COSIGNER_QUORUM: cosignatures that make a checkpoint witnessed; never below its floor, 2. */
  checkpointCosignerQuorum: 2,
  /** CONCLAVE_PROVIDER: sessions the server runs answer with the simulated provider unless configured otherwise. */
  conclaveProvider: 'simulated',
} as const;

/** Most PKCS#11 sessions the signer pool opens (HSMs cap sessions per application; CloudHSM allows 1024). */
export const MAX_HSM_SESSIONS = 64;

/** CONCLAVE_PROVIDER: the model provider of Conclave sessions the server runs (and `conclave run --provider`). */
export const CONCLAVE_PROVIDERS = ['simulated', 'openai'] as const;
/** A CONCLAVE_PROVIDERS value. */
export type ConclaveProvider = (typeof CONCLAVE_PROVIDERS)[number];

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
  /** RATE_LIMIT_PER_MINUTE: requests one client address may make to /v1/observer/* per minute, the same for every client. */
  rateLimitPerMinute: number;
  /**
   * TRUSTED_PROXIES: addresses and CIDR ranges (and proxy-addr's names loopback, linklocal, uniquelocal) whose
   * X-Forwarded-For is believed when finding a client's address; empty (the default): the TCP peer is the client.
   */
  trustedProxies: string[];
  /**
   * CHECKPOINT_ORIGIN: the log's name, the first line of every checkpoint and its signature's key name; never
   * changes for a log. Defaults to CONFIG_DEFAULTS.devCheckpointOrigin in DEV_MODE; undefined otherwise when unset,
   * which `archon72 serve` refuses at its configuration step (requireServeCheckpointing).
   */
  checkpointOrigin: string | undefined;
  /** CHECKPOINT_EVERY_EVENTS: publish a checkpoint once this many events are beyond the latest one. */
  checkpointEveryEvents: number;
  /**
   * CHECKPOINT_INTERVAL_SECONDS: publish a checkpoint once the latest is this old and events exist beyond it; at
   * most constitutional_config.checkpoint_max_age_seconds (checked with the configuration floors).
   */
  checkpointIntervalSeconds: number;
  /**
   * CHECKPOINT_COSIGNERS: the checkpoint cosigners (`archon72 witness serve`) the log asks for cosignatures, as
   * "name=url=base64 public key" entries separated by ';'. Empty: no cosigning (development only: `archon72 serve`
   * refuses it elsewhere, requireCheckpointCosigners).
   */
  checkpointCosigners: CheckpointCosignerConfig[];
  /** CHECKPOINT_COSIGNER_QUORUM: how many valid cosignatures make a checkpoint witnessed (k of n; floor 2). */
  checkpointCosignerQuorum: number;
  /** The model provider of the Conclave sessions the server runs (POST /v1/conclave/sessions). */
  conclave: ConclaveConfig;
}

/**
 * CONCLAVE_PROVIDER and, for `openai`, where its calls go: the CONCLAVE_LLM_CONFIG file (src/adapters/llm/llm-config.ts,
 * read when the server starts), else OPENAI_BASE_URL and OPENAI_MODEL. The API key is never held here: the provider
 * reads the variable the configuration names (OPENAI_API_KEY by default) when it is built.
 */
export interface ConclaveConfig {
  /** `simulated` (the default: no network, the same answers for the same seed) or `openai` (any chat-completions server). */
  provider: ConclaveProvider;
  /** CONCLAVE_LLM_CONFIG: path of the openai provider's routing file (default, per rank, per archon); wins over OPENAI_*. */
  llmConfigFile: string | undefined;
  /** OPENAI_BASE_URL: an http(s) URL without user:password; undefined means https://api.openai.com/v1. */
  openaiBaseUrl: string | undefined;
  /** OPENAI_MODEL: required for `openai` without CONCLAVE_LLM_CONFIG. */
  openaiModel: string | undefined;
}

/** One checkpoint cosigner of CHECKPOINT_COSIGNERS (docs/PROTOCOL.md §16.5). */
export interface CheckpointCosignerConfig {
  /** The cosigner's name: the key name of its cosignature lines. */
  name: string;
  /** Its submission prefix: the log POSTs to `<url>/add-checkpoint`. */
  url: string;
  /** Its raw Ed25519 public key, 32 bytes. */
  publicKey: Uint8Array;
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
    rateLimitPerMinute: parseInteger(env, 'RATE_LIMIT_PER_MINUTE', 1, 1_000_000, CONFIG_DEFAULTS.rateLimitPerMinute),
    trustedProxies: parseTrustedProxies(env, 'TRUSTED_PROXIES'),
    checkpointOrigin: parseCheckpointOrigin(env, devMode),
    checkpointEveryEvents: parseInteger(env, 'CHECKPOINT_EVERY_EVENTS', 1, 1_000_000, CONFIG_DEFAULTS.checkpointEveryEvents),
    checkpointIntervalSeconds: parseInteger(env, 'CHECKPOINT_INTERVAL_SECONDS', 1, 86_400, CONFIG_DEFAULTS.checkpointIntervalSeconds),
    ...parseCheckpointCosigning(env),
    conclave: parseConclave(env),
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

/** proxy-addr's names for address ranges, accepted in TRUSTED_PROXIES beside addresses and CIDR ranges. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** A comma-separated list of IP addresses, CIDR ranges (10.0.0.0/8, fd00::/8) and PROXY_RANGE_NAMES; empty when unset. */
function parseTrustedProxies(env: Record<string, string | undefined>, name: string): string[] {
  const value = nonEmpty(env, name);
  if (value === undefined) return [];
  return value.split(',').map((entry) => {
    const item = entry.trim();
    const [address = '', prefix, extra] = item.split('/');
    const version = isIP(address);
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 6 ? 128 : 32));
    if (PROXY_RANGE_NAMES.includes(item) || (version !== 0 && prefixOk && extra === undefined)) return item;
    throw invalid(name, item, `a comma-separated list of IP addresses, CIDR ranges (e.g. 10.0.0.0/8) or ${PROXY_RANGE_NAMES.join(', ')}`);
  });
}

/**
 * CHECKPOINT_ORIGIN: a signed-note key name (non-empty, no spaces, no '+'), at most 256 characters, e.g.
 * "log.example.org/archon72"; the development default in DEV_MODE when unset.
 */
function parseCheckpointOrigin(env: Record<string, string | undefined>, devMode: boolean): string | undefined {
  const value = nonEmpty(env, 'CHECKPOINT_ORIGIN');
  if (value === undefined) return devMode ? CONFIG_DEFAULTS.devCheckpointOrigin : undefined;
  if (value.length > 256 || !isValidKeyName(value)) throw invalid('CHECKPOINT_ORIGIN', value, "the log's name: at most 256 characters, no spaces and no '+' (e.g. log.example.org/archon72)");
  return value;
}

/** The checkpoint origin; throws ConfigError CONFIG_INVALID when it is unset (production without CHECKPOINT_ORIGIN). */
export function requireCheckpointOrigin(config: Pick<Config, 'checkpointOrigin'>): string {
  if (config.checkpointOrigin !== undefined) return config.checkpointOrigin;
  throw new ConfigError({
    code: 'CONFIG_INVALID',
    message: "CHECKPOINT_ORIGIN is unset; production needs the log's name for its checkpoints (e.g. log.example.org/archon72), and it must never change",
    details: { variable: 'CHECKPOINT_ORIGIN' },
  });
}

/** Longest cosigner name accepted (the cosignatures table's limit). */
const MAX_COSIGNER_NAME = 256;

/**
 * CHECKPOINT_COSIGNERS and CHECKPOINT_COSIGNER_QUORUM. Each entry is "name=url=key": a note key name, an http(s)
 * URL, and a 32-byte Ed25519 key in padded base64 (which ends in '=', so the entry is split at the first '=' and
 * before the key). Throws ConfigError CONFIG_INVALID for a malformed entry, a name or key listed twice (one key
 * under two names would count twice towards the quorum) or fewer cosigners than the quorum (none is allowed);
 * StartupFloorViolationError CONFIG_FLOOR_VIOLATION for a quorum below 2.
 */
function parseCheckpointCosigning(env: Record<string, string | undefined>): Pick<Config, 'checkpointCosigners' | 'checkpointCosignerQuorum'> {
  const entries = (nonEmpty(env, 'CHECKPOINT_COSIGNERS') ?? '').split(';').map((entry) => entry.trim()).filter((entry) => entry !== '');
  const cosigners = entries.map((entry) => {
    const match = /^([^=]+)=(.+)=([A-Za-z0-9+/]{43}=)$/.exec(entry);
    const [, name = '', url = '', key = ''] = match ?? [];
    const publicKey = fromBase64(key);
    let protocol = '';
    try {
      protocol = new URL(url).protocol;
    } catch {
      // not a URL: refused below
    }
    if (publicKey?.length !== 32 || !isValidKeyName(name) || name.length > MAX_COSIGNER_NAME || (protocol !== 'http:' && protocol !== 'https:')) {
      throw invalid('CHECKPOINT_COSIGNERS', entry, 'entries "name=url=publickey" separated by ";": a cosigner name (no spaces or "+"), its http(s) URL and its base64 Ed25519 public key');
    }
    return { name, url: url.replace(/\/+$/, ''), publicKey };
  });
  const names = new Set(cosigners.map((c) => c.name));
  const keys = new Set(cosigners.map((c) => c.publicKey.join()));
  if (names.size !== cosigners.length || keys.size !== cosigners.length) {
    throw new ConfigError({ code: 'CONFIG_INVALID', message: 'CHECKPOINT_COSIGNERS lists a cosigner name or public key twice', details: { variable: 'CHECKPOINT_COSIGNERS' } });
  }
  const quorum = parseInteger(env, 'CHECKPOINT_COSIGNER_QUORUM', 0, 1000, CONFIG_DEFAULTS.checkpointCosignerQuorum);
  if (quorum < CONFIG_DEFAULTS.checkpointCosignerQuorum) {
    throw new StartupFloorViolationError({
      code: 'CONFIG_FLOOR_VIOLATION',
      message: `CHECKPOINT_COSIGNER_QUORUM=${quorum} is below its floor of ${CONFIG_DEFAULTS.checkpointCosignerQuorum}; a checkpoint needs at least two independent cosignatures`,
      details: { variable: 'CHECKPOINT_COSIGNER_QUORUM', floor: CONFIG_DEFAULTS.checkpointCosignerQuorum },
    });
  }
  if (cosigners.length > 0 && cosigners.length < quorum) {
    throw new ConfigError({
      code: 'CONFIG_INVALID',
      message: `CHECKPOINT_COSIGNERS lists ${cosigners.length} cosigners; CHECKPOINT_COSIGNER_QUORUM=${quorum} can never be met`,
      details: { variable: 'CHECKPOINT_COSIGNERS' },
    });
  }
  return { checkpointCosigners: cosigners, checkpointCosignerQuorum: quorum };
}

/**
 * The checkpoint cosigners, when cosigning is required: always outside development. Returns them (an empty list
 * only in a development environment, where checkpoints then go unwitnessed). Throws ConfigError CONFIG_INVALID
 * when production has fewer cosigners than the quorum (parseConfig already refuses a non-empty list that short).
 */
export function requireCheckpointCosigners(
  config: Pick<Config, 'checkpointCosigners' | 'checkpointCosignerQuorum' | 'isDevelopmentEnvironment' | 'environment'>,
): CheckpointCosignerConfig[] {
  const count = config.checkpointCosigners.length;
  if (config.isDevelopmentEnvironment || count >= config.checkpointCosignerQuorum) return config.checkpointCosigners;
  throw new ConfigError({
    code: 'CONFIG_INVALID',
    message:
      `CHECKPOINT_COSIGNERS ${count === 0 ? 'is empty' : `lists ${count} cosigner(s)`}; production (ENVIRONMENT=${config.environment}) needs at least ` +
      `CHECKPOINT_COSIGNER_QUORUM=${config.checkpointCosignerQuorum} checkpoint cosigners (archon72 witness serve), or no checkpoint is ever witnessed`,
    details: { variable: 'CHECKPOINT_COSIGNERS' },
  });
}

/**
 * What `archon72 serve` needs beyond parseConfig, checked at its configuration step, before key custody opens: the
 * checkpoint origin, then (outside development) at least CHECKPOINT_COSIGNER_QUORUM checkpoint cosigners and a
 * PostgreSQL event store. Other commands never publish checkpoints, so they need neither. Throws ConfigError
 * CONFIG_INVALID naming CHECKPOINT_ORIGIN (requireCheckpointOrigin), CHECKPOINT_COSIGNERS
 * (requireCheckpointCosigners) or DATABASE_URL (requireSharedEventStore).
 */
export function requireServeCheckpointing(config: Config): { origin: string; cosigners: CheckpointCosignerConfig[] } {
  const checkpointing = { origin: requireCheckpointOrigin(config), cosigners: requireCheckpointCosigners(config) };
  requireSharedEventStore(config);
  return checkpointing;
}

/**
 * Outside development the server needs DATABASE_URL. Without it every instance would open its own embedded PGlite
 * under its own data directory: each replica behind the load balancer a separate log under one origin, and
 * observers shown a different chain by each (a fork nobody decided). The embedded store is for development and
 * evaluation on one machine. Throws ConfigError CONFIG_INVALID naming DATABASE_URL.
 */
export function requireSharedEventStore(config: Pick<Config, 'databaseUrl' | 'isDevelopmentEnvironment' | 'environment'>): void {
  if (config.isDevelopmentEnvironment || config.databaseUrl !== undefined) return;
  throw new ConfigError({
    code: 'CONFIG_INVALID',
    message:
      `DATABASE_URL is unset; ENVIRONMENT=${config.environment} serves from PostgreSQL (postgresql://…): instances on embedded ` +
      'PGlite would each keep a log of their own. Embedded PGlite is for a development environment',
    details: { variable: 'DATABASE_URL' },
  });
}

/**
 * CONCLAVE_PROVIDER (simulated | openai) and what `openai` needs. OPENAI_* are read only for `openai` (the CLI's
 * `conclave run --provider openai` reads them itself). Throws ConfigError CONFIG_INVALID naming the variable: an
 * unknown provider, CONCLAVE_LLM_CONFIG without `openai`, `openai` with neither CONCLAVE_LLM_CONFIG nor OPENAI_MODEL,
 * or an OPENAI_BASE_URL that is not an http(s) URL without credentials.
 */
function parseConclave(env: Record<string, string | undefined>): ConclaveConfig {
  const provider = parseChoice(env, 'CONCLAVE_PROVIDER', CONCLAVE_PROVIDERS, CONFIG_DEFAULTS.conclaveProvider);
  const llmConfigFile = nonEmpty(env, 'CONCLAVE_LLM_CONFIG');
  if (provider !== 'openai') {
    if (llmConfigFile !== undefined) {
      throw new ConfigError({
        code: 'CONFIG_INVALID',
        message: `CONCLAVE_LLM_CONFIG is set but CONCLAVE_PROVIDER=${provider}; set CONCLAVE_PROVIDER=openai to use it, or unset it`,
        details: { variable: 'CONCLAVE_LLM_CONFIG' },
      });
    }
    return { provider, llmConfigFile: undefined, openaiBaseUrl: undefined, openaiModel: undefined };
  }
  const openaiBaseUrl = nonEmpty(env, 'OPENAI_BASE_URL');
  if (openaiBaseUrl !== undefined && !isCredentialFreeHttpUrl(openaiBaseUrl)) {
    throw invalid('OPENAI_BASE_URL', '(not shown: may hold a credential)', 'an http(s) URL without user:password, e.g. http://127.0.0.1:11434/v1');
  }
  const openaiModel = nonEmpty(env, 'OPENAI_MODEL');
  if (llmConfigFile === undefined && openaiModel === undefined) {
    throw new ConfigError({
      code: 'CONFIG_INVALID',
      message: 'CONCLAVE_PROVIDER=openai needs OPENAI_MODEL (with OPENAI_BASE_URL and OPENAI_API_KEY as the server requires), or a CONCLAVE_LLM_CONFIG file',
      details: { variable: 'OPENAI_MODEL' },
    });
  }
  return { provider, llmConfigFile, openaiBaseUrl, openaiModel };
}

function isCredentialFreeHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
}

function parseChoice<T extends string>(env: Record<string, string | undefined>, name: string, choices: readonly T[], fallback: T): T {
  const value = nonEmpty(env, name);
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) throw invalid(name, value, choices.join(', '));
  return value as T;
}
