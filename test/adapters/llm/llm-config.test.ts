import { describe, expect, it } from 'vitest';
import { llmConfigFromEnv, parseLlmConfig, routeLlm, settingsFor, type LlmEndpoint } from '../../../src/adapters/llm/llm-config.js';
import { ConfigError } from '../../../src/domain/errors.js';
import type { LlmClient } from '../../../src/app/ports.js';
import type { Rank } from '../../../src/domain/deliberation/archon.js';
import { expectCode } from '../../support/expect-code.js';
import { testArchon, testRequest } from './test-archons.js';

const FILE = {
  default: { baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.1', apiKeyEnv: 'OPENAI_API_KEY' },
  ranks: { King: { model: 'llama3.1:70b' }, Knight: { baseUrl: 'https://knight.example/v1', apiKeyEnv: 'KNIGHT_KEY' } },
  archons: { 'ARCHON:test-1': { model: 'qwen2.5' } },
};
const ENV = { OPENAI_API_KEY: 'sk-default', KNIGHT_KEY: 'sk-knight' };

function invalidField(value: unknown): unknown {
  const error = expectCode(() => parseLlmConfig(typeof value === 'string' ? value : JSON.stringify(value)), ConfigError, 'CONFIG_INVALID');
  return error.details?.field;
}

describe('parseLlmConfig', () => {
  it('reads default, ranks and archons', () => {
    expect(parseLlmConfig(JSON.stringify(FILE))).toEqual(FILE);
  });

  it('accepts a file with only a default', () => {
    expect(parseLlmConfig('{"default":{"baseUrl":"https://api.openai.com/v1","model":"gpt-4o-mini"}}')).toEqual({
      default: { baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini' },
      ranks: {},
      archons: {},
    });
  });

  describe('when the file is invalid', () => {
    it.each([
      ['not JSON', '{default', '$'],
      ['not an object', [], '$'],
      ['an unknown top-level key', { ...FILE, rank: {} }, 'rank'],
      ['no default', { ranks: {} }, 'default'],
      ['a default without baseUrl', { default: { model: 'm' } }, 'default.baseUrl'],
      ['a default without model', { default: { baseUrl: 'http://h/v1' } }, 'default.model'],
      ['a baseUrl that is not http(s)', { default: { baseUrl: 'ftp://h/v1', model: 'm' } }, 'default.baseUrl'],
      ['a baseUrl with user:password', { default: { baseUrl: 'https://u:sk-secret@h/v1', model: 'm' } }, 'default.baseUrl'],
      ['an empty model', { default: { baseUrl: 'http://h/v1', model: ' ' } }, 'default.model'],
      ['a model that is not a string', { default: { baseUrl: 'http://h/v1', model: 7 } }, 'default.model'],
      ['an API key in the file', { default: { baseUrl: 'http://h/v1', model: 'm', apiKey: 'sk-secret' } }, 'default.apiKey'],
      ['a key where a variable name belongs', { default: { baseUrl: 'http://h/v1', model: 'm', apiKeyEnv: 'sk-abc/def' } }, 'default.apiKeyEnv'],
      ['an unknown setting', { ...FILE, ranks: { King: { modle: 'x' } } }, 'ranks.King.modle'],
      ['an unknown rank', { ...FILE, ranks: { Emperor: { model: 'x' } } }, 'ranks.Emperor'],
      ['ranks that are not an object', { ...FILE, ranks: [] }, 'ranks'],
      ['a rank override that is not an object', { ...FILE, ranks: { King: 'big' } }, 'ranks.King'],
      ['an archon id without the prefix', { ...FILE, archons: { bael: { model: 'x' } } }, 'archons.bael'],
      ['an archon id in capitals', { ...FILE, archons: { 'ARCHON:Bael': { model: 'x' } } }, 'archons.ARCHON:Bael'],
      ['an archon override with a bad URL', { ...FILE, archons: { 'ARCHON:bael': { baseUrl: 'nope' } } }, 'archons.ARCHON:bael.baseUrl'],
    ])('refuses %s, naming the field', (_name, value, field) => {
      expect(invalidField(value)).toBe(field);
    });

    it('never echoes a key found in the file', () => {
      const error = expectCode(() => parseLlmConfig(JSON.stringify({ default: { baseUrl: 'https://u:sk-secret@h/v1', model: 'm' } })), ConfigError, 'CONFIG_INVALID');
      expect(error.message).not.toContain('sk-secret');
    });
  });
});

describe('llmConfigFromEnv', () => {
  it('reads OPENAI_BASE_URL, OPENAI_MODEL and OPENAI_API_KEY', () => {
    expect(llmConfigFromEnv({ OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1', OPENAI_MODEL: 'mistral', OPENAI_API_KEY: 'sk-x' })).toEqual({
      default: { baseUrl: 'http://127.0.0.1:8000/v1', model: 'mistral', apiKeyEnv: 'OPENAI_API_KEY' },
      ranks: {},
      archons: {},
    });
  });

  it('defaults the base URL to OpenAI and needs no key', () => {
    expect(llmConfigFromEnv({ OPENAI_MODEL: 'gpt-4o-mini', OPENAI_API_KEY: '' }).default).toEqual({ baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini' });
  });

  it.each([
    ['OPENAI_MODEL', {}],
    ['OPENAI_BASE_URL', { OPENAI_MODEL: 'm', OPENAI_BASE_URL: 'localhost:11434' }],
  ])('refuses a missing or invalid %s', (variable, env) => {
    expect(expectCode(() => llmConfigFromEnv(env), ConfigError, 'CONFIG_INVALID').details?.variable).toBe(variable);
  });
});

describe('settingsFor', () => {
  const config = parseLlmConfig(JSON.stringify(FILE));

  it('lets the archon override its rank, and the rank override the default, field by field', () => {
    expect(settingsFor(config, 'ARCHON:test-2', 'Duke')).toEqual(FILE.default);
    expect(settingsFor(config, 'ARCHON:test-2', 'King')).toEqual({ ...FILE.default, model: 'llama3.1:70b' });
    expect(settingsFor(config, 'ARCHON:test-1', 'King')).toEqual({ ...FILE.default, model: 'qwen2.5' });
    expect(settingsFor(config, 'ARCHON:test-1', 'Knight')).toEqual({ baseUrl: 'https://knight.example/v1', model: 'qwen2.5', apiKeyEnv: 'KNIGHT_KEY' });
  });
});

describe('routeLlm', () => {
  const config = parseLlmConfig(JSON.stringify(FILE));

  /** A factory whose clients answer with the endpoint they were made for. */
  function recording(): { make: (endpoint: LlmEndpoint) => LlmClient; made: LlmEndpoint[] } {
    const made: LlmEndpoint[] = [];
    const make = (endpoint: LlmEndpoint): LlmClient => {
      made.push(endpoint);
      return { complete: async () => ({ text: JSON.stringify(endpoint), model: `openai/${endpoint.model}` }) };
    };
    return { make, made };
  }

  async function endpointFor(llm: LlmClient, i: number, rank: Rank): Promise<LlmEndpoint> {
    return JSON.parse((await llm.complete(testRequest(testArchon(i, rank), 'roll_call', 's'))).text) as LlmEndpoint;
  }

  it('sends each archon to its endpoint with the key read from the environment', async () => {
    const { make } = recording();
    const llm = routeLlm(config, ENV, make);
    expect(await endpointFor(llm, 2, 'Duke')).toEqual({ baseUrl: FILE.default.baseUrl, model: 'llama3.1', apiKey: 'sk-default' });
    expect(await endpointFor(llm, 3, 'King')).toEqual({ baseUrl: FILE.default.baseUrl, model: 'llama3.1:70b', apiKey: 'sk-default' });
    expect(await endpointFor(llm, 1, 'King')).toEqual({ baseUrl: FILE.default.baseUrl, model: 'qwen2.5', apiKey: 'sk-default' });
    expect(await endpointFor(llm, 4, 'Knight')).toEqual({ baseUrl: 'https://knight.example/v1', model: 'llama3.1', apiKey: 'sk-knight' });
  });

  it('makes one client per distinct endpoint', async () => {
    const { make, made } = recording();
    const llm = routeLlm(config, ENV, make);
    for (let i = 2; i < 12; i++) await endpointFor(llm, i, i % 2 === 0 ? 'Duke' : 'King');
    expect(made.map((e) => e.model)).toEqual(['llama3.1', 'llama3.1:70b']);
  });

  it('makes keyless clients when no key variable is named', async () => {
    const { make } = recording();
    const llm = routeLlm(llmConfigFromEnv({ OPENAI_MODEL: 'm', OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }), {}, make);
    expect(await endpointFor(llm, 0, 'Earl')).toEqual({ baseUrl: 'http://127.0.0.1:11434/v1', model: 'm' });
  });

  it('refuses at once a key variable that is unset or empty, naming field and variable but not any key', () => {
    const error = expectCode(() => routeLlm(config, { OPENAI_API_KEY: 'sk-default', KNIGHT_KEY: '' }, recording().make), ConfigError, 'CONFIG_INVALID');
    expect(error.details).toEqual({ field: 'ranks.Knight.apiKeyEnv', variable: 'KNIGHT_KEY' });
    expect(error.message).not.toContain('sk-default');
  });
});
