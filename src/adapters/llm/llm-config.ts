import type { LlmClient, LlmReply, LlmRequest } from '../../app/ports.js';
import { RANKS, type Rank } from '../../domain/deliberation/archon.js';
import { ConfigError } from '../../domain/errors.js';

/** Where one archon's calls go. The key is named by environment variable, so the file holds no secret. */
export interface LlmEndpointSettings {
  baseUrl: string;
  model: string;
  /** The environment variable holding the API key; none for a keyless local server. */
  apiKeyEnv?: string;
}

/**
 * The openai provider's routing: `default` for everyone, overridden field by field per rank, overridden again
 * per archon id (`ARCHON:<lowercase name>`).
 */
export interface LlmProviderConfig {
  default: LlmEndpointSettings;
  ranks: Partial<Record<Rank, Partial<LlmEndpointSettings>>>;
  archons: Record<string, Partial<LlmEndpointSettings>>;
}

/** What routeLlm hands the client factory: the settings with the key read from the environment. */
export interface LlmEndpoint {
  baseUrl: string;
  model: string;
  apiKey?: string;
}

const SETTING_KEYS = ['baseUrl', 'model', 'apiKeyEnv'] as const;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ARCHON_ID = /^ARCHON:[^\sA-Z]+$/;
/** The OpenAI SDK's default base URL, used when OPENAI_BASE_URL is unset. */
const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * Parses a provider configuration file, e.g.
 * `{"default":{"baseUrl":"http://127.0.0.1:11434/v1","model":"llama3.1","apiKeyEnv":"OPENAI_API_KEY"},
 *   "ranks":{"King":{"model":"…"}},"archons":{"ARCHON:bael":{"baseUrl":"…"}}}`.
 * `default` needs baseUrl (http or https, without user:password) and model; `ranks` (keys from RANKS) and
 * `archons` (ARCHON:<lowercase name>) are optional and may set any subset of baseUrl, model and apiKeyEnv (an
 * environment variable name). Unknown keys, and `apiKey` itself, are refused. Throws ConfigError CONFIG_INVALID
 * with details.field naming the offending field (`$` for the whole file).
 */
export function parseLlmConfig(text: string): LlmProviderConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw invalid('$', 'the LLM configuration is not JSON', err);
  }
  const root = objectAt(raw, '$');
  onlyKeys(root, ['default', 'ranks', 'archons'], '');
  const base = settingsAt(root.default, 'default');
  if (base.baseUrl === undefined) throw invalid('default.baseUrl', 'default.baseUrl is required');
  if (base.model === undefined) throw invalid('default.model', 'default.model is required');
  const ranks: LlmProviderConfig['ranks'] = {};
  for (const [rank, value] of Object.entries(root.ranks === undefined ? {} : objectAt(root.ranks, 'ranks'))) {
    if (!(RANKS as readonly string[]).includes(rank)) throw invalid(`ranks.${rank}`, `ranks.${rank} is not a rank; expected one of ${RANKS.join(', ')}`);
    ranks[rank as Rank] = settingsAt(value, `ranks.${rank}`);
  }
  const archons: LlmProviderConfig['archons'] = {};
  for (const [id, value] of Object.entries(root.archons === undefined ? {} : objectAt(root.archons, 'archons'))) {
    if (!ARCHON_ID.test(id)) throw invalid(`archons.${id}`, `archons.${JSON.stringify(id)} is not an archon id; expected ARCHON:<lowercase name>`);
    archons[id] = settingsAt(value, `archons.${id}`);
  }
  return { default: { ...base, baseUrl: base.baseUrl, model: base.model }, ranks, archons };
}

/**
 * The configuration when no file is given: OPENAI_BASE_URL (default https://api.openai.com/v1), OPENAI_MODEL
 * (required) and, when OPENAI_API_KEY is set, that variable as the key. Throws ConfigError CONFIG_INVALID with
 * details.variable naming the variable.
 */
export function llmConfigFromEnv(env: Record<string, string | undefined>): LlmProviderConfig {
  const baseUrl = env.OPENAI_BASE_URL?.trim() || OPENAI_DEFAULT_BASE_URL;
  const model = env.OPENAI_MODEL?.trim();
  if (!model) throw new ConfigError({ code: 'CONFIG_INVALID', message: 'OPENAI_MODEL is unset; the openai provider needs a model name', details: { variable: 'OPENAI_MODEL' } });
  if (!isEndpointUrl(baseUrl)) {
    throw new ConfigError({ code: 'CONFIG_INVALID', message: 'OPENAI_BASE_URL is invalid; expected an http(s) URL without user:password', details: { variable: 'OPENAI_BASE_URL' } });
  }
  return { default: { baseUrl, model, ...(env.OPENAI_API_KEY ? { apiKeyEnv: 'OPENAI_API_KEY' } : {}) }, ranks: {}, archons: {} };
}

/**
 * One client that sends each request to its archon's endpoint: the archon's entry overrides its rank's, which
 * overrides the default, field by field. `make` is called once per distinct (baseUrl, model, key variable).
 * Checks at once that every key variable the configuration names is set and non-empty in `env` (ConfigError
 * CONFIG_INVALID, details.field and details.variable; the key's value is never reported), so a session never
 * starts with a missing key.
 */
export function routeLlm(config: LlmProviderConfig, env: Record<string, string | undefined>, make: (endpoint: LlmEndpoint) => LlmClient): LlmClient {
  const named: Array<[string, Partial<LlmEndpointSettings>]> = [
    ['default', config.default],
    ...Object.entries(config.ranks).map(([rank, s]): [string, Partial<LlmEndpointSettings>] => [`ranks.${rank}`, s]),
    ...Object.entries(config.archons).map(([id, s]): [string, Partial<LlmEndpointSettings>] => [`archons.${id}`, s]),
  ];
  for (const [where, settings] of named) {
    const variable = settings.apiKeyEnv;
    if (variable !== undefined && !env[variable]) {
      throw new ConfigError({ code: 'CONFIG_INVALID', message: `${where}.apiKeyEnv names ${variable}, which is unset or empty`, details: { field: `${where}.apiKeyEnv`, variable } });
    }
  }
  const clients = new Map<string, LlmClient>();
  return {
    complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmReply> {
      const settings = settingsFor(config, request.archon.id, request.archon.rank);
      const key = JSON.stringify([settings.baseUrl, settings.model, settings.apiKeyEnv ?? null]);
      let client = clients.get(key);
      if (client === undefined) {
        const apiKey = settings.apiKeyEnv === undefined ? undefined : env[settings.apiKeyEnv];
        client = make({ baseUrl: settings.baseUrl, model: settings.model, ...(apiKey === undefined ? {} : { apiKey }) });
        clients.set(key, client);
      }
      return client.complete(request, signal);
    },
  };
}

/** The settings for one archon: default, then its rank's, then its own (archon overrides rank overrides default). */
export function settingsFor(config: LlmProviderConfig, archonId: string, rank: Rank): LlmEndpointSettings {
  return { ...config.default, ...config.ranks[rank], ...config.archons[archonId] };
}

function settingsAt(value: unknown, field: string): Partial<LlmEndpointSettings> {
  const object = objectAt(value, field);
  if ('apiKey' in object) throw invalid(`${field}.apiKey`, `${field}.apiKey is refused: put the key in an environment variable and name it with apiKeyEnv`);
  onlyKeys(object, SETTING_KEYS, `${field}.`);
  const settings: Partial<LlmEndpointSettings> = {};
  for (const key of SETTING_KEYS) {
    const v = object[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.trim() === '') throw invalid(`${field}.${key}`, `${field}.${key} must be a non-empty string`);
    if (key === 'baseUrl' && !isEndpointUrl(v)) throw invalid(`${field}.baseUrl`, `${field}.baseUrl must be an http(s) URL without user:password`);
    if (key === 'apiKeyEnv' && !ENV_NAME.test(v)) throw invalid(`${field}.apiKeyEnv`, `${field}.apiKeyEnv must be an environment variable name, not a key`);
    settings[key] = v.trim();
  }
  return settings;
}

function objectAt(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(field, `${field === '$' ? 'the LLM configuration' : field} must be a JSON object`);
  return value as Record<string, unknown>;
}

function onlyKeys(object: Record<string, unknown>, allowed: readonly string[], prefix: string): void {
  const unknown = Object.keys(object).find((key) => !allowed.includes(key));
  if (unknown !== undefined) throw invalid(`${prefix}${unknown}`, `${prefix}${unknown} is not a known field; expected ${allowed.join(', ')}`);
}

/** An http(s) URL that carries no credentials (a key belongs in apiKeyEnv, never in the file). */
function isEndpointUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
}

function invalid(field: string, message: string, cause?: unknown): ConfigError {
  return new ConfigError({ code: 'CONFIG_INVALID', message, details: { field }, cause });
}
