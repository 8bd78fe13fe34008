import { describe, expect, it } from 'vitest';
import { parseConfig, requireCheckpointCosigners, requireServeCheckpointing, requireSharedEventStore } from '../../src/app/config.js';
import { ConfigError, StartupFloorViolationError } from '../../src/domain/errors.js';
import { toBase64 } from '../../src/domain/encoding/bytes.js';
import { expectCode } from '../support/expect-code.js';

const KEY_A = toBase64(new Uint8Array(32).fill(1));
const KEY_B = toBase64(new Uint8Array(32).fill(2));
const KEY_C = toBase64(new Uint8Array(32).fill(3));

describe('CHECKPOINT_COSIGNERS and CHECKPOINT_COSIGNER_QUORUM', () => {
  it('default to no cosigners and a quorum of 2', () => {
    const config = parseConfig({});
    expect(config.checkpointCosigners).toEqual([]);
    expect(config.checkpointCosignerQuorum).toBe(2);
  });

  it('parse "name=url=key" entries separated by ";" (URLs may hold "=", trailing slashes are dropped)', () => {
    const config = parseConfig({
      CHECKPOINT_COSIGNERS: ` a.test/w1=https://w1.test/prefix/=${KEY_A} ; b.test/w1=http://127.0.0.1:7380?x=1=${KEY_B};`,
      CHECKPOINT_COSIGNER_QUORUM: '2',
    });
    expect(config.checkpointCosigners).toEqual([
      { name: 'a.test/w1', url: 'https://w1.test/prefix', publicKey: new Uint8Array(32).fill(1) },
      { name: 'b.test/w1', url: 'http://127.0.0.1:7380?x=1', publicKey: new Uint8Array(32).fill(2) },
    ]);
  });

  it.each([
    ['no key', 'a=http://h'],
    ['a short key', `a=http://h=${KEY_A.slice(4)}`],
    ['a name with a space', `a b=http://h=${KEY_A}`],
    ['a name with "+"', `a+b=http://h=${KEY_A}`],
    ['a URL that is not http(s)', `a=ftp://h=${KEY_A}`],
    ['a URL that is not one', `a=not a url=${KEY_A}`],
  ])('refuse %s (CONFIG_INVALID)', (_, entry) => {
    expectCode(() => parseConfig({ CHECKPOINT_COSIGNERS: `${entry};b=http://h=${KEY_B};c=http://h=${KEY_C}` }), ConfigError, 'CONFIG_INVALID');
  });

  it('refuse a name or a key listed twice (one key would count twice towards the quorum)', () => {
    expectCode(() => parseConfig({ CHECKPOINT_COSIGNERS: `a=http://h=${KEY_A};a=http://i=${KEY_B}` }), ConfigError, 'CONFIG_INVALID');
    expectCode(() => parseConfig({ CHECKPOINT_COSIGNERS: `a=http://h=${KEY_A};b=http://i=${KEY_A}` }), ConfigError, 'CONFIG_INVALID');
  });

  it('refuse a quorum below its floor of 2 (StartupFloorViolationError)', () => {
    expectCode(() => parseConfig({ CHECKPOINT_COSIGNER_QUORUM: '1' }), StartupFloorViolationError, 'CONFIG_FLOOR_VIOLATION');
    expectCode(() => parseConfig({ CHECKPOINT_COSIGNER_QUORUM: '0' }), StartupFloorViolationError, 'CONFIG_FLOOR_VIOLATION');
  });

  it('refuse fewer cosigners than the quorum, unless there are none', () => {
    expectCode(() => parseConfig({ CHECKPOINT_COSIGNERS: `a=http://h=${KEY_A};b=http://h=${KEY_B}`, CHECKPOINT_COSIGNER_QUORUM: '3' }), ConfigError, 'CONFIG_INVALID');
    expect(parseConfig({ CHECKPOINT_COSIGNER_QUORUM: '3' }).checkpointCosignerQuorum).toBe(3);
  });
});

describe('requireCheckpointCosigners', () => {
  it('accepts no cosigners in a development environment only', () => {
    expect(requireCheckpointCosigners(parseConfig({ ENVIRONMENT: 'development' }))).toEqual([]);
    const err = expectCode(() => requireCheckpointCosigners(parseConfig({})), ConfigError, 'CONFIG_INVALID');
    expect(err.details).toEqual({ variable: 'CHECKPOINT_COSIGNERS' });
    expect(err.message).toBe(
      'CHECKPOINT_COSIGNERS is empty; production (ENVIRONMENT=production) needs at least CHECKPOINT_COSIGNER_QUORUM=2 checkpoint cosigners (archon72 witness serve), or no checkpoint is ever witnessed',
    );
  });

  it('names how many cosigners a production configuration has against the quorum', () => {
    const config = { ...parseConfig({ ENVIRONMENT: 'staging' }), checkpointCosigners: parseConfig({ CHECKPOINT_COSIGNERS: `a=http://h=${KEY_A};b=http://h=${KEY_B}` }).checkpointCosigners, checkpointCosignerQuorum: 3 };
    const err = expectCode(() => requireCheckpointCosigners(config), ConfigError, 'CONFIG_INVALID');
    expect(err.message).toMatch(/^CHECKPOINT_COSIGNERS lists 2 cosigner\(s\); production \(ENVIRONMENT=staging\) needs at least CHECKPOINT_COSIGNER_QUORUM=3 /);
  });

  it('returns the cosigners when there are enough for the quorum', () => {
    const config = parseConfig({ CHECKPOINT_COSIGNERS: `a=http://h=${KEY_A};b=http://h=${KEY_B}` });
    expect(requireCheckpointCosigners(config).map((c) => c.name)).toEqual(['a', 'b']);
  });
});

describe('requireServeCheckpointing (archon72 serve, at its configuration step)', () => {
  const cosigners = `a=http://h=${KEY_A};b=http://h=${KEY_B}`;

  const database = { DATABASE_URL: 'postgresql://archon72_app@db-host/archon72' };

  it('returns the origin and the cosigners of a production configuration that has both, and PostgreSQL', () => {
    const checkpointing = requireServeCheckpointing(parseConfig({ DEV_MODE: 'false', CHECKPOINT_ORIGIN: 'log.example.org/archon72', CHECKPOINT_COSIGNERS: cosigners, ...database }));
    expect({ origin: checkpointing.origin, cosigners: checkpointing.cosigners.map((c) => c.name) }).toEqual({ origin: 'log.example.org/archon72', cosigners: ['a', 'b'] });
  });

  it('refuses production without CHECKPOINT_ORIGIN first (CONFIG_INVALID naming it), cosigners or not', () => {
    for (const env of [{}, { CHECKPOINT_COSIGNERS: cosigners }]) {
      const err = expectCode(() => requireServeCheckpointing(parseConfig(env)), ConfigError, 'CONFIG_INVALID');
      expect(err.details).toEqual({ variable: 'CHECKPOINT_ORIGIN' });
      expect(err.message).toMatch(/^CHECKPOINT_ORIGIN is unset; /);
    }
  });

  it('refuses production with an origin but fewer cosigners than the quorum (CONFIG_INVALID naming CHECKPOINT_COSIGNERS)', () => {
    const err = expectCode(() => requireServeCheckpointing(parseConfig({ CHECKPOINT_ORIGIN: 'log.example.org/archon72' })), ConfigError, 'CONFIG_INVALID');
    expect(err.details).toEqual({ variable: 'CHECKPOINT_COSIGNERS' });
    expect(err.message).toMatch(/^CHECKPOINT_COSIGNERS is empty; production \(ENVIRONMENT=production\) needs at least CHECKPOINT_COSIGNER_QUORUM=2 /);
  });

  it('refuses production with an origin and cosigners but no DATABASE_URL (CONFIG_INVALID naming it): every instance would keep its own log', () => {
    for (const environment of ['production', 'staging']) {
      const env = { ENVIRONMENT: environment, CHECKPOINT_ORIGIN: 'log.example.org/archon72', CHECKPOINT_COSIGNERS: cosigners };
      const err = expectCode(() => requireServeCheckpointing(parseConfig(env)), ConfigError, 'CONFIG_INVALID');
      expect(err.details).toEqual({ variable: 'DATABASE_URL' });
      expect(err.message).toBe(
        `DATABASE_URL is unset; ENVIRONMENT=${environment} serves from PostgreSQL (postgresql://…): instances on embedded PGlite would each keep a log of their own. Embedded PGlite is for a development environment`,
      );
    }
  });

  it('lets a development environment serve from embedded PGlite, with DEV_MODE or a test HSM', () => {
    for (const devMode of ['true', 'false']) expect(() => requireSharedEventStore(parseConfig({ DEV_MODE: devMode, ENVIRONMENT: 'development' }))).not.toThrow();
    expectCode(() => requireSharedEventStore(parseConfig({ DEV_MODE: 'false', ENVIRONMENT: 'production' })), ConfigError, 'CONFIG_INVALID');
  });

  it('needs neither in development with DEV_MODE (the development origin, unwitnessed checkpoints)', () => {
    expect(requireServeCheckpointing(parseConfig({ DEV_MODE: 'true', ENVIRONMENT: 'development' }))).toEqual({ origin: 'archon72.invalid/dev', cosigners: [] });
  });
});
