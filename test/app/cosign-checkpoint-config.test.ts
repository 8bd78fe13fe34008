import { describe, expect, it } from 'vitest';
import { parseConfig, requireCheckpointCosigners } from '../../src/app/config.js';
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
    expectCode(() => requireCheckpointCosigners(parseConfig({})), ConfigError, 'CONFIG_INVALID');
  });

  it('returns the cosigners when there are enough for the quorum', () => {
    const config = parseConfig({ CHECKPOINT_COSIGNERS: `a=http://h=${KEY_A};b=http://h=${KEY_B}` });
    expect(requireCheckpointCosigners(config).map((c) => c.name)).toEqual(['a', 'b']);
  });
});
