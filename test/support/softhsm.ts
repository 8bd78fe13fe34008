import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// No vitest import here: bench/sign.bench.ts uses this file too.

/** Where distributions install SoftHSM2's PKCS#11 module; ARCHON72_TEST_SOFTHSM_LIBRARY overrides. */
const LIBRARY_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib64/pkcs11/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
  '/opt/homebrew/lib/softhsm/libsofthsm2.so',
];

/** The SoftHSM2 PKCS#11 module on this machine, or undefined. */
export function findSoftHsmLibrary(): string | undefined {
  const override = process.env.ARCHON72_TEST_SOFTHSM_LIBRARY;
  return (override ? [override] : LIBRARY_CANDIDATES).find((path) => existsSync(path));
}

/** undefined when softhsm2-util and the SoftHSM2 library are both present, otherwise why not. */
export function softHsmUnavailableReason(): string | undefined {
  const util = spawnSync('softhsm2-util', ['--version'], { encoding: 'utf8' });
  if (util.error || util.status !== 0) return 'softhsm2-util is not installed (apt-get install softhsm2)';
  if (findSoftHsmLibrary() === undefined) {
    const looked = process.env.ARCHON72_TEST_SOFTHSM_LIBRARY || LIBRARY_CANDIDATES.join(', ');
    return `libsofthsm2.so is not at ${looked} (set ARCHON72_TEST_SOFTHSM_LIBRARY to its path)`;
  }
  return undefined;
}

/**
 * Whether to run a SoftHSM-backed suite. Skips (printing the reason) when SoftHSM2 is absent, unless
 * ARCHON72_REQUIRE_SERVICES=1, where absence throws so the run fails (as shouldRunPostgres does).
 */
export function shouldRunSoftHsm(suite: string): boolean {
  const reason = softHsmUnavailableReason();
  if (reason === undefined) return true;
  if (process.env.ARCHON72_REQUIRE_SERVICES === '1') throw new Error(`${suite}: ARCHON72_REQUIRE_SERVICES=1 but ${reason}`);
  console.warn(`skipping ${suite}: ${reason} (set ARCHON72_REQUIRE_SERVICES=1 to make this a failure)`);
  return false;
}

/** A SoftHSM2 token in its own temporary directory. */
export interface SoftHsmToken {
  libraryPath: string;
  tokenLabel: string;
  pin: string;
  soPin: string;
  /** softhsm2.conf; also in process.env.SOFTHSM2_CONF. */
  confPath: string;
  /** The token directory (directories.tokendir); each token is a subdirectory named by its UUID. */
  dir: string;
  /** What a child process needs to use this token: SOFTHSM2_CONF, HSM_PKCS11_LIBRARY, HSM_TOKEN_LABEL, HSM_PIN. */
  env: Record<string, string>;
  /** Deletes the directory (close every custody on it first). */
  remove(): void;
}

export interface SoftHsmTokenOptions {
  label?: string;
  pin?: string;
  soPin?: string;
  /**
   * Offer only these mechanisms (softhsm2.conf slots.mechanisms, e.g. ['CKM_EDDSA']). A whitelist, because
   * SoftHSM 2.6.1 ignores the first name of a '-'-prefixed blacklist.
   */
  mechanisms?: string[];
}

/**
 * Creates a temporary directory with a softhsm2.conf, points process.env.SOFTHSM2_CONF at it (SoftHSM reads it at
 * C_Initialize, so create the token before opening a custody; vitest runs each test file in its own process),
 * and initializes a token there with softhsm2-util. Label and PINs are random unless given.
 */
export function createSoftHsmToken(options: SoftHsmTokenOptions = {}): SoftHsmToken {
  const libraryPath = findSoftHsmLibrary();
  if (libraryPath === undefined) throw new Error(softHsmUnavailableReason());
  const dir = mkdtempSync(join(tmpdir(), 'archon72-softhsm-'));
  const confPath = join(dir, 'softhsm2.conf');
  const mechanisms = options.mechanisms === undefined ? '' : `slots.mechanisms = ${options.mechanisms.join(',')}\n`;
  writeFileSync(confPath, `directories.tokendir = ${dir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n${mechanisms}`);
  process.env.SOFTHSM2_CONF = confPath;
  const tokenLabel = options.label ?? `archon72-${randomBytes(4).toString('hex')}`;
  const pin = options.pin ?? randomBytes(6).toString('hex');
  const soPin = options.soPin ?? randomBytes(6).toString('hex');
  softHsmUtil(confPath, ['--init-token', '--free', '--label', tokenLabel, '--pin', pin, '--so-pin', soPin]);
  return {
    libraryPath,
    tokenLabel,
    pin,
    soPin,
    confPath,
    dir,
    env: { SOFTHSM2_CONF: confPath, HSM_PKCS11_LIBRARY: libraryPath, HSM_TOKEN_LABEL: tokenLabel, HSM_PIN: pin },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Initializes one more token in the same directory (and so the same SoftHSM instance) as `token`. */
export function addSoftHsmToken(token: SoftHsmToken, label: string): void {
  softHsmUtil(token.confPath, ['--init-token', '--free', '--label', label, '--pin', token.pin, '--so-pin', token.soPin]);
}

function softHsmUtil(confPath: string, args: string[]): void {
  const run = spawnSync('softhsm2-util', args, { encoding: 'utf8', env: { ...process.env, SOFTHSM2_CONF: confPath } });
  if (run.error || run.status !== 0) throw new Error(`softhsm2-util ${args[0]} failed: ${run.error?.message ?? run.stderr}`);
}
