import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/app/config.js';
import { openConclaveLlm } from '../../src/compose.js';
import { ConfigError } from '../../src/domain/errors.js';
import { expectCode } from '../support/expect-code.js';

describe('CONCLAVE_PROVIDER, CONCLAVE_LLM_CONFIG and OPENAI_*', () => {
  const dir = mkdtempSync(join(tmpdir(), 'archon72-conclave-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('default to the simulated provider, ignoring OPENAI_* (the CLI reads those for --provider openai)', () => {
    expect(parseConfig({ OPENAI_BASE_URL: 'not a url' }).conclave).toEqual({ provider: 'simulated', llmConfigFile: undefined, openaiBaseUrl: undefined, openaiModel: undefined });
  });

  it('take openai with OPENAI_MODEL and OPENAI_BASE_URL, or with a CONCLAVE_LLM_CONFIG file', () => {
    expect(parseConfig({ CONCLAVE_PROVIDER: 'openai', OPENAI_MODEL: 'llama3.1', OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }).conclave).toEqual({
      provider: 'openai',
      llmConfigFile: undefined,
      openaiBaseUrl: 'http://127.0.0.1:11434/v1',
      openaiModel: 'llama3.1',
    });
    expect(parseConfig({ CONCLAVE_PROVIDER: 'openai', CONCLAVE_LLM_CONFIG: '/etc/archon72/llm.json' }).conclave.llmConfigFile).toBe('/etc/archon72/llm.json');
  });

  it.each([
    ['an unknown provider', { CONCLAVE_PROVIDER: 'anthropic' }, 'CONCLAVE_PROVIDER'],
    ['openai without a model or a file', { CONCLAVE_PROVIDER: 'openai' }, 'OPENAI_MODEL'],
    ['a base URL that is not http(s)', { CONCLAVE_PROVIDER: 'openai', OPENAI_MODEL: 'm', OPENAI_BASE_URL: 'ftp://h/v1' }, 'OPENAI_BASE_URL'],
    ['a base URL with credentials', { CONCLAVE_PROVIDER: 'openai', OPENAI_MODEL: 'm', OPENAI_BASE_URL: 'https://user:secret@h/v1' }, 'OPENAI_BASE_URL'],
    ['a routing file without the openai provider', { CONCLAVE_LLM_CONFIG: '/etc/llm.json' }, 'CONCLAVE_LLM_CONFIG'],
  ])('refuse %s (CONFIG_INVALID naming the variable)', (_, env, variable) => {
    const err = expectCode(() => parseConfig(env), ConfigError, 'CONFIG_INVALID');
    expect(err.details).toMatchObject({ variable });
    expect(err.message).not.toContain('secret');
  });

  it('openConclaveLlm refuses an unreadable or invalid CONCLAVE_LLM_CONFIG file, and an unset key variable (CONFIG_INVALID)', () => {
    const missing = join(dir, 'missing.json');
    expect(expectCode(() => openConclaveLlm(parseConfig({ CONCLAVE_PROVIDER: 'openai', CONCLAVE_LLM_CONFIG: missing }).conclave, {}), ConfigError, 'CONFIG_INVALID').details).toMatchObject({
      variable: 'CONCLAVE_LLM_CONFIG',
    });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ default: { baseUrl: 'http://h/v1' } }));
    expect(expectCode(() => openConclaveLlm(parseConfig({ CONCLAVE_PROVIDER: 'openai', CONCLAVE_LLM_CONFIG: bad }).conclave, {}), ConfigError, 'CONFIG_INVALID').details).toMatchObject({
      variable: 'CONCLAVE_LLM_CONFIG',
      field: 'default.model',
    });
    const keyed = join(dir, 'keyed.json');
    writeFileSync(keyed, JSON.stringify({ default: { baseUrl: 'http://h/v1', model: 'm', apiKeyEnv: 'LLM_KEY' } }));
    const config = parseConfig({ CONCLAVE_PROVIDER: 'openai', CONCLAVE_LLM_CONFIG: keyed }).conclave;
    expect(expectCode(() => openConclaveLlm(config, {}), ConfigError, 'CONFIG_INVALID').details).toMatchObject({ variable: 'LLM_KEY' });
    expect(openConclaveLlm(config, { LLM_KEY: 'k' })).toHaveProperty('complete');
    expect(openConclaveLlm(parseConfig({}).conclave, {})).toHaveProperty('complete');
  });
});
