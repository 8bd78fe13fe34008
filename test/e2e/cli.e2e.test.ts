import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startProcess, CLI, waitFor } from '../support/run-cli.js';

const DEV = { DEV_MODE: 'true', ENVIRONMENT: 'development' };

/** The archon72 CLI on the embedded backend, as a user runs it on a fresh machine. */
describe('archon72 CLI on the embedded database', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'archon72-cli-'));
    env = { ...DEV, ARCHON72_DATA_DIR: join(dir, 'data') };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('migrate applies 001–013 once, then reports the database up to date', () => {
    const first = runCli(['migrate'], env);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/applied 001_create_events_table\.sql[\s\S]*applied 007_halt_clear_protection_trigger\.sql[\s\S]*applied 008_key_lifecycle\.sql[\s\S]*applied 011_merkle_checkpoints\.sql[\s\S]*applied 012_conclave_sessions\.sql[\s\S]*applied 013_conclave_session_steps\.sql/);
    const second = runCli(['migrate'], env);
    expect(second.stdout).toBe('database is up to date\n');
  });

  it('events append signs, witnesses and stores an event, printing it as JSON', () => {
    const result = runCli(['events', 'append', '--type', 'motion.proposed', '--payload', '{"title":"Adopt the charter","votes":[1,2]}'], env);
    expect(result.status, result.stderr).toBe(0);
    const event = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(event).toMatchObject({ sequence: 1, event_type: 'motion.proposed', agent_id: 'SYSTEM:EVENT_WRITER', payload: { title: 'Adopt the charter', votes: [1, 2] } });
    expect(event.signing_key_id).toMatch(/^dev-[0-9a-f]{16}$/);
    expect(event.witness_id).toMatch(/^WITNESS:dev-(0[1-9]|1[0-2])$/);
    expect(event.signature).toHaveLength(88);
  });

  it('keeps development private keys in files only the owner can read', () => {
    const keysDir = join(env.ARCHON72_DATA_DIR!, 'keys');
    expect(statSync(keysDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(keysDir);
    expect(files.length).toBe(14); // the event writer, the log signer (SYSTEM:LOG) and twelve witnesses (the high-stakes floor), one key each
    for (const f of files) expect(statSync(join(keysDir, f)).mode & 0o777).toBe(0o600);
  });

  it('signs with a separate key per agent', () => {
    const result = runCli(['events', 'append', '--type', 'archon.spoke', '--payload', '{"text":"Ave"}', '--agent', 'agent-0b6f8e1e-3d4c-4a7a-9a51-0e3c2f1d9b77'], env);
    expect(result.status, result.stderr).toBe(0);
    const event = JSON.parse(result.stdout) as { sequence: number; agent_id: string };
    expect(event.sequence).toBe(2);
  });

  it('events tail prints the last events oldest first, one JSON line each', () => {
    const result = runCli(['events', 'tail', '-n', '5'], env);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { sequence: number });
    expect(lines.map((e) => e.sequence)).toEqual([1, 2]);
  });

  it('verify-db accepts the chain', () => {
    const result = runCli(['verify-db'], env);
    expect(result.stdout).toBe('OK: 2 events verified (sequence 1..2)\n');
    expect(result.status).toBe(0);
  });

  describe('when the input is bad', () => {
    const cases: Array<[string, string[], RegExp]> = [
      ['payload that is not JSON', ['--type', 'a.b', '--payload', '{oops'], /INPUT_INVALID_JSON: --payload is not valid JSON/],
      ['payload that is not an object', ['--type', 'a.b', '--payload', '[1,2]'], /INPUT_PAYLOAD_NOT_OBJECT/],
      ['payload over the size limit', ['--type', 'a.b', '--payload', JSON.stringify({ x: 'y'.repeat(70_000) })], /INPUT_PAYLOAD_TOO_LARGE: payload is \d+ canonical bytes; the limit is 65536/],
      ['event type with capitals', ['--type', 'Motion', '--payload', '{}'], /INPUT_FIELD_INVALID: event_type must be/],
      ['agent id with spaces', ['--type', 'a.b', '--payload', '{}', '--agent', 'bad agent'], /INPUT_FIELD_INVALID: agent_id/],
    ];
    for (const [name, args, expected] of cases) {
      it(`refuses a ${name} with exit code 2 and one line naming the rule`, () => {
        const result = runCli(['events', 'append', ...args], env);
        expect(result.status).toBe(2);
        expect(result.stderr).toMatch(expected);
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
      });
    }

    it('stored nothing for any of them', () => {
      expect(runCli(['events', 'tail'], env).stdout.trim().split('\n')).toHaveLength(2);
    });

    it('refuses a non-numeric --from with exit code 2', () => {
      const result = runCli(['verify-db', '--from', 'x'], env);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/not a sequence number/);
    });
  });

  describe('configuration refusals', () => {
    it('refuses DEV_MODE=true outside a development ENVIRONMENT (a misspelling counts as production)', () => {
      const result = runCli(['events', 'tail'], { ...env, ENVIRONMENT: 'developmnet' });
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/DevModeEnvironmentMismatchError: CONFIG_DEV_MODE_ENVIRONMENT_MISMATCH: DEV_MODE=true but ENVIRONMENT=developmnet/);
    });

    it('refuses to sign without an HSM when DEV_MODE is off, naming what to configure', () => {
      const result = runCli(['events', 'append', '--type', 'a.b', '--payload', '{}'], { ARCHON72_DATA_DIR: env.ARCHON72_DATA_DIR });
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/HSMNotConfiguredError: CUSTODY_HSM_NOT_CONFIGURED: .*HSM_PKCS11_LIBRARY, HSM_TOKEN_LABEL, HSM_PIN \(or HSM_PIN_FILE\) are not set/);
    });

    it('reports an unreachable PostgreSQL in one line with exit code 1', () => {
      const result = runCli(['events', 'tail'], { ...env, DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/archon72' });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^archon72: STORE_UNAVAILABLE: postgresql: database unavailable/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    });

    it('names the variable and the accepted values for a bad value', () => {
      const result = runCli(['events', 'tail'], { ...env, API_PORT: 'eighty' });
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/CONFIG_INVALID: API_PORT="eighty" is invalid; expected a port number 1–65535/);
    });
  });

  it('refuses a second process on the same embedded database while the server runs, and serves until SIGTERM', async () => {
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const server = startProcess(process.execPath, [CLI, 'serve'], { ...env, API_PORT: port, LOG_LEVEL: 'info' });
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/v1/health`)).ok);
      const health = (await (await fetch(`http://127.0.0.1:${port}/v1/health`)).json()) as Record<string, unknown>;
      expect(health).toMatchObject({ status: 'ok', hsm_mode: 'DEVELOPMENT' });
      expect(server.out.stdout).toMatch(/pre_operational: Pre-operational verification completed successfully/);
      const second = runCli(['events', 'tail'], env);
      expect(second.status).toBe(1);
      expect(second.stderr).toMatch(/STORE_UNAVAILABLE: the embedded database in .* is in use by process \d+/);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect((await server.exited).code).toBe(0);
    expect(runCli(['events', 'tail'], env).status).toBe(0); // the lock was released
  });
});
