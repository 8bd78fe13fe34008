import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, parseConfig, requireCheckpointOrigin } from '../../../src/app/config.js';
import { ConfigError } from '../../../src/domain/errors.js';
import { expectCode } from '../../support/expect-code.js';

const dev = { DEV_MODE: 'true', ENVIRONMENT: 'development' };
const production = { DEV_MODE: 'false', ENVIRONMENT: 'production' };

describe('checkpoint configuration', () => {
  it('defaults to a checkpoint every 1000 events or 60 s, and the development origin in DEV_MODE', () => {
    const config = parseConfig(dev);
    expect(config).toMatchObject({ checkpointEveryEvents: 1000, checkpointIntervalSeconds: 60, checkpointOrigin: CONFIG_DEFAULTS.devCheckpointOrigin });
    expect(requireCheckpointOrigin(config)).toBe('archon72.invalid/dev');
  });

  it('reads CHECKPOINT_ORIGIN, CHECKPOINT_EVERY_EVENTS and CHECKPOINT_INTERVAL_SECONDS', () => {
    const config = parseConfig({ ...production, CHECKPOINT_ORIGIN: 'log.example.org/archon72', CHECKPOINT_EVERY_EVENTS: '250', CHECKPOINT_INTERVAL_SECONDS: '15' });
    expect(config).toMatchObject({ checkpointOrigin: 'log.example.org/archon72', checkpointEveryEvents: 250, checkpointIntervalSeconds: 15 });
  });

  it('leaves the origin unset in production, and requireCheckpointOrigin refuses that with CONFIG_INVALID', () => {
    const config = parseConfig(production);
    expect(config.checkpointOrigin).toBeUndefined();
    const err = expectCode(() => requireCheckpointOrigin(config), ConfigError, 'CONFIG_INVALID');
    expect(err.details).toEqual({ variable: 'CHECKPOINT_ORIGIN' });
  });

  it.each([
    ['CHECKPOINT_ORIGIN', 'has space'],
    ['CHECKPOINT_ORIGIN', 'a+b'],
    ['CHECKPOINT_ORIGIN', 'x'.repeat(257)],
    ['CHECKPOINT_EVERY_EVENTS', '0'],
    ['CHECKPOINT_EVERY_EVENTS', '1000001'],
    ['CHECKPOINT_EVERY_EVENTS', '1e3'],
    ['CHECKPOINT_INTERVAL_SECONDS', '0'],
    ['CHECKPOINT_INTERVAL_SECONDS', '86401'],
  ])('refuses %s=%s with CONFIG_INVALID naming the variable', (variable, value) => {
    const err = expectCode(() => parseConfig({ ...dev, [variable]: value }), ConfigError, 'CONFIG_INVALID');
    expect(err.details).toEqual({ variable });
  });
});
