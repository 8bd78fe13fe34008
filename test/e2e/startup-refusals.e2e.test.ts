import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomPort, runCli } from '../support/run-cli.js';
import { createSoftHsmToken, shouldRunSoftHsm, type SoftHsmToken } from '../support/softhsm.js';
import { UNREACHABLE_COSIGNERS } from '../support/witness-processes.js';

const runHsm = shouldRunSoftHsm('startup refusals against SoftHSM2');

/**
 * Every startup refusal of issue 3, through the real entry point (`archon72 serve`): one line naming the runbook's
 * error and its remedy, a non-zero exit, and no server (nothing was listening: the process exits by itself).
 */
describe('archon72 serve refuses unsafe configurations before it listens', () => {
  let dir: string;
  let base: Record<string, string>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'archon72-refusals-'));
    // A checkpoint origin and cosigners (never reached) so that production gets past its configuration step.
    base = { ARCHON72_DATA_DIR: join(dir, 'data'), API_PORT: randomPort(), CHECKPOINT_ORIGIN: 'archon72.test/refusals', CHECKPOINT_COSIGNERS: UNREACHABLE_COSIGNERS };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Production serves from PostgreSQL; every refusal here comes before the database is opened (never reached).
  const serve = (env: Record<string, string>) => runCli(['serve', '--migrate'], { ...base, DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/none', ...env });
  const expectRefusal = (result: ReturnType<typeof serve>, status: number, line: RegExp) => {
    expect(result.status, result.stderr).toBe(status);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(line);
    expect(result.stdout).not.toMatch(/Server listening/);
  };

  describe('DevModeEnvironmentMismatchError', () => {
    it.each([
      ['production', 'production'],
      ['a misspelling (fails closed)', 'developmnet'],
      ['an unknown value', 'staging'],
    ])('refuses DEV_MODE=true with ENVIRONMENT=%s', (_what, environment) => {
      expectRefusal(serve({ DEV_MODE: 'true', ENVIRONMENT: environment }), 2, /^archon72: DevModeEnvironmentMismatchError: CONFIG_DEV_MODE_ENVIRONMENT_MISMATCH: .*set DEV_MODE=false, or ENVIRONMENT=development/);
    });

    it('refuses DEV_MODE=true with ENVIRONMENT unset (the default is production)', () => {
      expectRefusal(serve({ DEV_MODE: 'true' }), 2, /DevModeEnvironmentMismatchError: .*ENVIRONMENT=\(unset\)/);
    });

    it.each(['development', 'dev', 'test', 'local', 'Development'])('accepts DEV_MODE=true with ENVIRONMENT=%s', (environment) => {
      const result = runCli(['migrate'], { ...base, DEV_MODE: 'true', ENVIRONMENT: environment, ARCHON72_DATA_DIR: join(dir, `ok-${environment}`) });
      expect(result.status, result.stderr).toBe(0);
    });
  });

  describe('HSMNotConfiguredError', () => {
    it('names every missing HSM variable and the remedy', () => {
      expectRefusal(serve({ DEV_MODE: 'false', ENVIRONMENT: 'production' }), 2, /^archon72: HSMNotConfiguredError: CUSTODY_HSM_NOT_CONFIGURED: DEV_MODE=false signs with a PKCS#11 HSM, but HSM_PKCS11_LIBRARY, HSM_TOKEN_LABEL, HSM_PIN \(or HSM_PIN_FILE\) are not set; configure the HSM/);
    });

    it('names the one variable missing', () => {
      expectRefusal(serve({ HSM_PKCS11_LIBRARY: '/x.so', HSM_PIN: '1234' }), 2, /but HSM_TOKEN_LABEL is not set/);
    });

    it('refuses an unreadable or empty PIN file without echoing anything from it', () => {
      expectRefusal(serve({ HSM_PKCS11_LIBRARY: '/x.so', HSM_TOKEN_LABEL: 't', HSM_PIN_FILE: join(dir, 'missing-pin') }), 2, /HSM_PIN_FILE .*missing-pin cannot be read \(ENOENT\)/);
      writeFileSync(join(dir, 'empty-pin'), '\n');
      expectRefusal(serve({ HSM_PKCS11_LIBRARY: '/x.so', HSM_TOKEN_LABEL: 't', HSM_PIN_FILE: join(dir, 'empty-pin') }), 2, /HSM_PIN_FILE .*empty-pin is empty/);
    });

    it('refuses HSM_PIN and HSM_PIN_FILE together', () => {
      expectRefusal(serve({ HSM_PIN: '1', HSM_PIN_FILE: '/p' }), 2, /CONFIG_INVALID: HSM_PIN and HSM_PIN_FILE are both set/);
    });

    it('refuses a PKCS#11 library that cannot be loaded', () => {
      expectRefusal(serve({ HSM_PKCS11_LIBRARY: join(dir, 'no-such-module.so'), HSM_TOKEN_LABEL: 't', HSM_PIN: '1234' }), 2, /HSMNotConfiguredError: CUSTODY_HSM_LIBRARY_UNLOADABLE: .*no-such-module\.so.*HSM_PKCS11_LIBRARY/);
    });

    describe.runIf(runHsm)('against a SoftHSM2 token', () => {
      let token: SoftHsmToken;
      beforeAll(() => {
        token = createSoftHsmToken();
      });
      afterAll(() => token?.remove());

      it('refuses a wrong PIN without printing it', () => {
        const result = serve({ ...token.env, HSM_PIN: 'wrong-pin-0000' });
        expectRefusal(result, 2, /HSMNotConfiguredError: CUSTODY_HSM_PIN_INCORRECT: .*HSM_PIN/);
        expect(result.stderr).not.toContain('wrong-pin-0000');
      });

      it('refuses an unknown token label, listing the labels present', () => {
        expectRefusal(serve({ ...token.env, HSM_TOKEN_LABEL: 'no-such-token' }), 2, new RegExp(`HSMNotConfiguredError: CUSTODY_HSM_TOKEN_NOT_FOUND: .*no-such-token.*${token.tokenLabel}`));
      });
    });
  });

  it('refuses ALLOW_VERIFICATION_BYPASS=true in production', () => {
    expectRefusal(serve({ ALLOW_VERIFICATION_BYPASS: 'true' }), 2, /^archon72: CONFIG_FORBIDDEN: ALLOW_VERIFICATION_BYPASS=true is forbidden in production/);
  });
});
