import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { takePidLock } from '../../../src/adapters/fs/pid-lock-file.js';

describe('takePidLock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'archon72-pid-lock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the lock with this pid and the holder, and release (idempotent) removes it', () => {
    const path = join(dir, 'a.lock');
    const lock = takePidLock(path, 'archon72 test');
    expect(lock.kind).toBe('acquired');
    expect(readFileSync(path, 'utf8')).toBe(`${process.pid}\narchon72 test\n`);
    if (lock.kind !== 'acquired') return;
    lock.release();
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('answers held, with the pid and holder, while a live process owns it', async () => {
    const path = join(dir, 'b.lock');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(path, `${child.pid}\nanother process\n`);
      expect(takePidLock(path, 'archon72 test')).toEqual({ kind: 'held', pid: child.pid, holder: 'another process' });
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('takes over a lock left by a dead process, or holding no pid', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    for (const [name, content] of [['c.lock', `${dead}\ngone\n`], ['d.lock', 'garbage']] as const) {
      const path = join(dir, name);
      writeFileSync(path, content);
      const lock = takePidLock(path, 'archon72 test');
      expect(lock.kind).toBe('acquired');
      expect(readFileSync(path, 'utf8').split('\n')[0]).toBe(String(process.pid));
    }
  });

  it('throws the file system error when the lock cannot be created for another reason', () => {
    expect(() => takePidLock(join(dir, 'missing', 'e.lock'), 'archon72 test')).toThrow(/ENOENT/);
  });
});
