/**
 * `npm run bench:sign`: Ed25519 signatures per second through the KeyCustody port, for the development custody
 * (libsodium in this thread) and for PKCS#11 on a temporary SoftHSM2 token at several session-pool sizes
 * (C_Sign on libuv's thread pool). Options: `-- --seconds 3 --rounds 3 --sessions 1,2,4,8 --message-bytes 256`.
 * The machine is shared, so every configuration runs in each of several rounds and the table shows the best
 * round and the range. A benchmark, not a test: it prints a table and checks a sample of signatures.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { createSoftwareKeyCustody } from '../src/adapters/hsm/software-key-custody.js';
import { openPkcs11KeyCustody } from '../src/adapters/hsm/pkcs11-key-custody.js';
import { verifyEd25519Sodium } from '../src/adapters/crypto/sodium-ed25519.js';
import { createSoftHsmToken, softHsmUnavailableReason, type SoftHsmToken } from '../test/support/softhsm.js';
import { formatNumber, formatTable } from './format-table.js';
import { waitForQuietMachine } from './cpu-usage.js';
import type { KeyCustody } from '../src/app/ports.js';

interface Options {
  seconds: number;
  rounds: number;
  sessions: number[];
  messageBytes: number;
}

interface Row {
  custody: string;
  sessions: string;
  inFlight: number;
  signatures: number;
  seconds: number;
  cpuPercent: number;
  /** CPU the rest of the machine used meanwhile (other people's test runs), % of one core. */
  otherPercent: number;
}

type Measured = Omit<Row, 'custody' | 'sessions'>;

function parseOptions(argv: string[]): Options {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const seconds = Number(value('seconds') ?? 3);
  const sessions = (value('sessions') ?? '1,2,4,8').split(',').map(Number);
  const messageBytes = Number(value('message-bytes') ?? 256);
  const rounds = Number(value('rounds') ?? 3);
  if (!Number.isInteger(rounds) || rounds < 1 || !(seconds > 0) || sessions.some((n) => !Number.isInteger(n) || n < 1) || !(messageBytes > 0)) {
    throw new Error('usage: bench:sign [--seconds S>0] [--rounds R>=1] [--sessions 1,4,8] [--message-bytes N>0]');
  }
  return { seconds, rounds, sessions, messageBytes };
}

/**
 * Keeps `inFlight` sign calls running for `seconds`, each caller signing its next message as soon as the last
 * returns; counts completed signatures and this process's CPU time (all threads, so > 100 % means the thread
 * pool signed in parallel). Verifies the first signature of every caller.
 */
async function measure(custody: KeyCustody, key: { keyId: string; publicKey: Uint8Array }, inFlight: number, options: Options): Promise<Measured> {
  const messages = Array.from({ length: 64 }, () => randomBytes(options.messageBytes));
  for (let i = 0; i < 200; i++) await custody.sign(key.keyId, messages[i % messages.length] as Buffer); // warm-up
  let signatures = 0;
  const cpuStart = process.cpuUsage();
  const machineStart = machineBusySeconds();
  const start = performance.now();
  const deadline = start + options.seconds * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async (_, caller) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const message = messages[(caller + i) % messages.length] as Buffer;
        const signature = await custody.sign(key.keyId, message);
        if (i === 0 && !verifyEd25519Sodium(signature, message, key.publicKey)) throw new Error(`${custody.mode} produced a signature that does not verify`);
        signatures += 1;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const own = (cpu.user + cpu.system) / 1e6;
  const other = Math.max(0, machineBusySeconds() - machineStart - own);
  return { inFlight, signatures, seconds, cpuPercent: (own / seconds) * 100, otherPercent: (other / seconds) * 100 };
}

/** Busy CPU seconds of the whole machine, all cores (first line of /proc/stat, USER_HZ = 100); 0 without /proc. */
function machineBusySeconds(): number {
  try {
    const [, user, nice, system, , , irq, softirq, steal] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100;
  } catch {
    return 0;
  }
}

function describeMachine(): string {
  const softhsm = spawnSync('softhsm2-util', ['--version'], { encoding: 'utf8' }).stdout?.trim() || 'absent';
  const pkcs11js = (JSON.parse(readFileSync(new URL('../node_modules/pkcs11js/package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return [
    `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, Linux ${release()}`,
    `node ${process.version}; SoftHSM ${softhsm}; pkcs11js ${pkcs11js}; UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}`,
  ].join('\n');
}

/** One round: every configuration once, each custody opened fresh. */
async function runRound(options: Options, token: SoftHsmToken | undefined, record: (custody: string, sessions: string, r: Measured) => void): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'archon72-bench-sign-'));
  try {
    const dev = createSoftwareKeyCustody(dataDir);
    record('software (dev)', '-', await measure(dev, await dev.generateKey('bench'), 1, options));
    await dev.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (token === undefined) return;
  for (const sessions of options.sessions) {
    const custody = await openPkcs11KeyCustody({ libraryPath: token.libraryPath, tokenLabel: token.tokenLabel, pin: token.pin, sessions });
    try {
      // Twice as many callers as sessions keep every session busy while results travel back to JS.
      record('PKCS#11 SoftHSM2', String(sessions), await measure(custody, await custody.generateKey(`bench-${sessions}`), sessions * 2, options));
    } finally {
      await custody.close();
    }
  }
}

/** Per configuration, the round with the most signatures/s, and the range over all rounds. */
function summarize(rows: Row[]): string {
  const groups = new Map<string, Row[]>();
  for (const r of rows) groups.set(`${r.custody}|${r.sessions}`, [...(groups.get(`${r.custody}|${r.sessions}`) ?? []), r]);
  const rate = (r: Row) => r.signatures / r.seconds;
  const table = [...groups.values()].map((group) => {
    const best = group.reduce((a, b) => (rate(b) > rate(a) ? b : a));
    const rates = group.map(rate);
    return [best.custody, best.sessions, String(best.inFlight), formatNumber(rate(best)), `${formatNumber(Math.min(...rates))}–${formatNumber(Math.max(...rates))}`, best.cpuPercent.toFixed(0), best.otherPercent.toFixed(0)];
  });
  return formatTable(['custody', 'sessions', 'in flight', 'best signatures/s', 'all rounds', 'CPU % (best round)', 'other CPU % (best round)'], table, ['left', 'right', 'right', 'right', 'right', 'right', 'right']);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(describeMachine());
  log(`${options.rounds} rounds of ${options.seconds} s per configuration, ${options.messageBytes}-byte messages, one key`);
  // Other people's test runs share the 2 cores; wait (a minute at most) for a quiet moment, and report what ran anyway.
  if (!(await waitForQuietMachine(25, 60_000))) log('the machine stayed busy: see the "other CPU" column');
  const rows: Row[] = [];
  const record = (custody: string, sessions: string, r: Measured) => {
    rows.push({ custody, sessions, ...r });
    log(`  ${custody} sessions=${sessions} in-flight=${r.inFlight}: ${formatNumber(r.signatures / r.seconds)} signatures/s (cpu ${r.cpuPercent.toFixed(0)} %, other processes ${r.otherPercent.toFixed(0)} %)`);
  };
  const unavailable = softHsmUnavailableReason();
  if (unavailable) log(`SoftHSM2 rows skipped: ${unavailable}`);
  const token = unavailable ? undefined : createSoftHsmToken({ label: 'archon72-bench' });
  try {
    for (let round = 1; round <= options.rounds; round++) {
      log(`round ${round}`);
      await runRound(options, token, record);
    }
  } finally {
    token?.remove();
  }
  log('');
  log(summarize(rows));
}

await main();
