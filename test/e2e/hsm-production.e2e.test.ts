import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, shouldRunPostgres, type TestDatabase } from '../support/services.js';
import { createSoftHsmToken, shouldRunSoftHsm, type SoftHsmToken } from '../support/softhsm.js';
import { CLI, randomPort, runCli, startProcess, waitFor } from '../support/run-cli.js';
import { runAgainst, runbookCurls } from '../support/runbook.js';
import { registerKeeperQuorumByCli } from '../support/keepers.js';
import { provisionLogKey, startCheckpointWitnesses, type CheckpointWitnesses } from '../support/witness-processes.js';
import { psqlRows } from '../support/psql.js';
import { parsePublicKeySet, type PublicKeySet } from '../../src/domain/signing/public-key-set.js';

const run = (await shouldRunPostgres('production mode on SoftHSM2')) && shouldRunSoftHsm('production mode on SoftHSM2');

/**
 * Production mode end to end: every key in a SoftHSM2 token, every command a fresh process (so each step is a
 * restart that logs in again and finds its keys by id). The pool is bootstrapped once, events are signed, the
 * event writer's key is rotated mid-chain, and the production verifier (no development keys) accepts it all. Two
 * `archon72 witness serve` processes cosign the server's checkpoints (production refuses to serve without them).
 */
describe.runIf(run)('archon72 in production mode with SoftHSM2', () => {
  let token: SoftHsmToken;
  let db: TestDatabase;
  let dir: string;
  let env: Record<string, string>;
  let witnesses: CheckpointWitnesses | undefined;
  const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { ...env, ...extra });
  const append = (i: number) => {
    const result = cli(['events', 'append', '--type', 'test.production', '--payload', JSON.stringify({ i })]);
    expect(result.status, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as Record<string, string>;
  };

  beforeAll(async () => {
    token = createSoftHsmToken();
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'archon72-production-'));
    env = { ...token.env, DATABASE_URL: db.url, DEV_MODE: 'false', ENVIRONMENT: 'production', ARCHON72_DATA_DIR: join(dir, 'data'), CHECKPOINT_ORIGIN: 'archon72.test/production' };
    expect(cli(['migrate']).status).toBe(0);
    // The cosigners must know the log's key before it serves: generated in the token ahead of the first start.
    witnesses = await startCheckpointWitnesses(dir, env.CHECKPOINT_ORIGIN as string, provisionLogKey(env));
    env.CHECKPOINT_COSIGNERS = witnesses.cosigners;
  });
  afterAll(async () => {
    await witnesses?.stop();
    await db?.drop();
    token?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses writes until a witness pool exists, and bootstraps the pool only when enabled, once', () => {
    const before = cli(['events', 'append', '--type', 'test.production', '--payload', '{}']);
    expect(before.status).toBe(1);
    expect(before.stderr).toMatch(/WITNESS_POOL_BELOW_FLOOR: the witness pool has 0 active witnesses; writes need at least 6/);
    // The server refuses to start on it too, before it listens.
    const serve = cli(['serve'], { API_PORT: randomPort() });
    expect(serve.status).toBe(1);
    expect(serve.stderr).toMatch(/^archon72: WITNESS_POOL_BELOW_FLOOR: the witness pool has 0 active witnesses/);

    const disabled = cli(['witness', 'bootstrap']);
    expect(disabled.status).toBe(1);
    expect(disabled.stderr).toMatch(/WITNESS_BOOTSTRAP_DISABLED/);

    const bootstrap = cli(['witness', 'bootstrap'], { WITNESS_BOOTSTRAP_ENABLED: 'true' });
    expect(bootstrap.status, bootstrap.stderr).toBe(0);
    expect(bootstrap.stdout).toBe('witness pool: 12 witnesses (WITNESS:pool-01 … WITNESS:pool-12)\n');

    const again = cli(['witness', 'bootstrap'], { WITNESS_BOOTSTRAP_ENABLED: 'true' });
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/WITNESS_BOOTSTRAP_REFUSED: a witness pool already exists \(12 witnesses registered\)/);

    const list = cli(['witness', 'list', '--json']);
    const pool = JSON.parse(list.stdout) as { active: number; members: Array<{ key_id: string; development: boolean }> };
    expect(pool.active).toBe(12);
    expect(pool.members.every((m) => /^hsm-[0-9a-f]{32}$/.test(m.key_id) && !m.development)).toBe(true);
  });

  it('signs with HSM keys, rotates the writer mid-chain, and verify-db (production: no dev keys) accepts every event', () => {
    const first = [append(1), append(2)];
    expect(first[0]!.signing_key_id).toMatch(/^hsm-/);
    expect(first[1]!.signing_key_id).toBe(first[0]!.signing_key_id); // the same key, found again after a restart

    const rotate = cli(['keys', 'rotate', '--agent', 'SYSTEM:EVENT_WRITER']);
    expect(rotate.status, rotate.stderr).toBe(0);
    const [closedLine, openedLine] = rotate.stdout.trim().split('\n');
    expect(closedLine).toContain(first[0]!.signing_key_id);
    const newKeyId = /SYSTEM:EVENT_WRITER (hsm-[0-9a-f]+)/.exec(openedLine ?? '')?.[1];

    const second = [append(3), append(4)];
    expect(second[0]!.signing_key_id).toBe(newKeyId);

    const verify = cli(['verify-db']);
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^OK: \d+ events verified \(sequence 1\.\.\d+\)$/m);
  });

  it('revokes a witness key with a replacement, recorded in the log and in the exported public key set', () => {
    const list = JSON.parse(cli(['witness', 'list', '--json']).stdout) as { members: Array<{ witness_id: string; key_id: string }> };
    const victim = list.members[0]!;
    const revoke = cli(['keys', 'revoke', victim.key_id, '--reason', 'token backup exposed', '--replace']);
    expect(revoke.status, revoke.stderr).toBe(0);
    expect(revoke.stdout).toMatch(/recorded key\.revoked at sequence \d+/);

    const out = join(dir, 'keys.json');
    expect(cli(['keys', 'export-public', '--out', out]).status).toBe(0);
    const set = JSON.parse(readFileSync(out, 'utf8')) as PublicKeySet;
    const revoked = set.keys.find((k) => k.key_id === victim.key_id);
    expect(revoked?.revocation?.reason).toBe('token backup exposed');
    expect(revoked?.active_until).not.toBeNull();
    expect(set.keys.filter((k) => k.actor_id === victim.witness_id)).toHaveLength(2);
    expect(set.keys.every((k) => !k.development)).toBe(true);
    expect(parsePublicKeySet(set).length).toBe(set.keys.length);
    // The export refuses to overwrite a file.
    expect(cli(['keys', 'export-public', '--out', out]).status).toBe(1);
    expect(cli(['verify-db']).status).toBe(0);
  });

  it('serves with hsm_mode PRODUCTION once a quorum of keepers exists, and refuses WITNESS_BOOTSTRAP_ENABLED=true once the pool exists', async () => {
    const refused = cli(['serve'], { WITNESS_BOOTSTRAP_ENABLED: 'true', API_PORT: randomPort() });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/WITNESS_BOOTSTRAP_REFUSED/);

    // FR146: without keepers a halt could never be cleared, so production does not start.
    const noKeepers = cli(['serve'], { API_PORT: randomPort() });
    expect(noKeepers.status).toBe(1);
    expect(noKeepers.stderr).toMatch(/^archon72: VERIFICATION_FAILED: pre_operational verification failed: keeper_key_availability \(0 active keepers, fewer than the quorum 2/);
    registerKeeperQuorumByCli(env, dir);

    const port = randomPort();
    const server = startProcess(process.execPath, [CLI, 'serve'], { ...env, API_PORT: port, LOG_LEVEL: 'info' });
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/v1/health`)).ok);
      const health = (await (await fetch(`http://127.0.0.1:${port}/v1/health`)).json()) as Record<string, unknown>;
      expect(health.hsm_mode).toBe('PRODUCTION');
      // Runbook §6.4, verbatim.
      const securityCurls = runbookCurls('### 6.4');
      expect(securityCurls).toEqual(["curl -s http://api-endpoint/v1/health | jq '.hsm_mode'"]);
      expect(runAgainst(securityCurls[0]!, `http://127.0.0.1:${port}`)).toBe('"PRODUCTION"\n');
      expect(server.out.stdout).toMatch(/"hsmMode":"PRODUCTION","msg":"startup: key custody opened"/);
      expect(server.out.stdout).not.toContain(token.pin);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect((await server.exited).code).toBe(0);
    // Its last checkpoint (published on shutdown) was cosigned by both witnesses before it exited.
    expect(server.out.stdout).toMatch(/"msg":"cosigning: tree size \d+ witnessed by 2 of 2 cosigners"/);
    const cosigners = psqlRows(db.url, 'SELECT cosigner FROM cosignatures WHERE tree_size = (SELECT max(tree_size) FROM checkpoints) ORDER BY cosigner').map((row) => row[0]);
    expect(cosigners).toEqual(witnesses!.witnesses.map((w) => w.name));
  });

  it('a production verifier rejects a development-signed log', async () => {
    const devDb = await createTestDatabase();
    try {
      const devEnv = { DATABASE_URL: devDb.url, DEV_MODE: 'true', ENVIRONMENT: 'development', ARCHON72_DATA_DIR: join(dir, 'dev-data') };
      expect(runCli(['migrate'], devEnv).status).toBe(0);
      expect(runCli(['events', 'append', '--type', 'test.dev', '--payload', '{}'], devEnv).status).toBe(0);
      expect(runCli(['verify-db'], devEnv).status).toBe(0);
      const production = runCli(['verify-db'], { DATABASE_URL: devDb.url });
      expect(production.status).toBe(1);
      expect(production.stdout).toMatch(/FAULT at sequence 1: SIG_DEVELOPMENT_KEY: sequence 1 is signed by the agent development key dev-[0-9a-f]{16} \(SYSTEM:EVENT_WRITER\)/);
    } finally {
      await devDb.drop();
    }
  });
});
