import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COSIGNER_STATE_FORMAT, openFileCosignerState } from '../../../src/adapters/witness/file-cosigner-state.js';
import { CosignerError } from '../../../src/domain/errors.js';
import { checkpointBody } from '../../../src/domain/note/checkpoint-note.js';
import { expectCode } from '../../support/expect-code.js';
import { expectRejection } from '../../support/expect-rejection.js';
import type { CosignedCheckpoint } from '../../../src/app/ports.js';

const ORIGIN = 'log.test/a';
const record = (treeSize: number, origin = ORIGIN): CosignedCheckpoint => {
  const rootHash = new Uint8Array(32).fill(treeSize);
  return { treeSize, rootHash, checkpoint: checkpointBody({ origin, treeSize, rootHash }), cosignedAt: 1_800_000_000 + treeSize };
};

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cosigner-state-'));
  path = join(dir, 'state.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('openFileCosignerState', () => {
  it('creates an empty state file, mode 0600, and a lock file it removes on close', () => {
    const state = openFileCosignerState(path);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ format: COSIGNER_STATE_FORMAT, logs: {} });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(existsSync(`${path}.lock`)).toBe(true);
    state.close();
    state.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('keeps every commit across a reopen (per origin, the latest)', async () => {
    const state = openFileCosignerState(path);
    await state.commit(ORIGIN, record(3));
    await Promise.all([state.commit(ORIGIN, record(5)), state.commit('log.test/b', record(7, 'log.test/b'))]);
    state.close();
    const reopened = openFileCosignerState(path);
    expect(reopened.latest(ORIGIN)).toEqual(record(5));
    expect(reopened.latest('log.test/b')).toEqual(record(7, 'log.test/b'));
    expect(reopened.origins().sort()).toEqual([ORIGIN, 'log.test/b']);
    reopened.close();
  });

  it('removes temporary files a crash left behind', () => {
    writeFileSync(`${path}.1234.0123456789ab.tmp`, 'half a state');
    writeFileSync(join(dir, 'other.txt'), 'kept');
    openFileCosignerState(path).close();
    expect(readdirSync(dir).sort()).toEqual(['other.txt', 'state.json']);
  });

  it('takes over a lock left by a dead process', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid as number;
    await new Promise((resolve) => child.on('exit', resolve));
    writeFileSync(`${path}.lock`, `${pid}\n`);
    openFileCosignerState(path).close();
  });

  it('throws COSIGNER_STATE_LOCKED while another live process holds it', () => {
    writeFileSync(`${path}.lock`, `${process.ppid}\n`);
    expectCode(() => openFileCosignerState(path), CosignerError, 'COSIGNER_STATE_LOCKED');
  });

  describe('when the file is not a valid state', () => {
    const valid = (logs: Record<string, unknown>) => JSON.stringify({ format: COSIGNER_STATE_FORMAT, logs });
    const good = { tree_size: 3, root_hash: Buffer.alloc(32, 3).toString('base64'), checkpoint: record(3).checkpoint, cosigned_at: 1 };
    it.each([
      ['not JSON', '{'],
      ['another format', JSON.stringify({ format: 'x', logs: {} })],
      ['logs not an object', JSON.stringify({ format: COSIGNER_STATE_FORMAT, logs: [] })],
      ['a record of another origin', valid({ 'log.test/other': good })],
      ['a size that is not the checkpoint\u2019s', valid({ [ORIGIN]: { ...good, tree_size: 4 } })],
      ['a root that is not the checkpoint\u2019s', valid({ [ORIGIN]: { ...good, root_hash: Buffer.alloc(32, 4).toString('base64') } })],
      ['a member missing', valid({ [ORIGIN]: { tree_size: 3, root_hash: good.root_hash, checkpoint: good.checkpoint } })],
      ['an unknown member', valid({ [ORIGIN]: { ...good, extra: 1 } })],
      ['a negative timestamp', valid({ [ORIGIN]: { ...good, cosigned_at: -1 } })],
      ['a checkpoint that is not one', valid({ [ORIGIN]: { ...good, checkpoint: 'x\n' } })],
      ['a record that is null', valid({ [ORIGIN]: null })],
    ])('throws COSIGNER_STATE_INVALID for %s, and releases the lock', (_, text) => {
      writeFileSync(path, text);
      expectCode(() => openFileCosignerState(path), CosignerError, 'COSIGNER_STATE_INVALID');
      expect(existsSync(`${path}.lock`)).toBe(false);
    });

    it('accepts the valid record those cases alter', () => {
      writeFileSync(path, valid({ [ORIGIN]: good }));
      const state = openFileCosignerState(path);
      expect(state.latest(ORIGIN)?.treeSize).toBe(3);
      state.close();
    });
  });

  describe('when the file cannot be written', () => {
    it('throws COSIGNER_STATE_WRITE_FAILED and keeps the previous state', async () => {
      const state = openFileCosignerState(path);
      await state.commit(ORIGIN, record(3));
      // A non-empty directory where the file was: rename(2) over it fails, for root too.
      rmSync(path);
      mkdirSync(path);
      writeFileSync(join(path, 'x'), '');
      try {
        await expectRejection(state.commit(ORIGIN, record(5)), CosignerError, 'COSIGNER_STATE_WRITE_FAILED');
        expect(state.latest(ORIGIN)?.treeSize).toBe(3);
        expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      } finally {
        state.close();
      }
    });

    it('throws COSIGNER_STATE_WRITE_FAILED for a directory that does not exist', () => {
      expectCode(() => openFileCosignerState(join(dir, 'missing', 'state.json')), CosignerError, 'COSIGNER_STATE_WRITE_FAILED');
    });
  });
});
