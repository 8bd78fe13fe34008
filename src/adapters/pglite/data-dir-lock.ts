import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../../domain/errors.js';

/**
 * PGlite is a single-process database: two processes opening one directory would corrupt it. This lock is a
 * file created with O_EXCL holding the owner's pid; a lock left by a dead process is taken over.
 * Throws StoreError STORE_UNAVAILABLE naming the owning pid when another live process holds it.
 * Returns a function that releases the lock.
 */
export function lockDataDir(dir: string, holder: string): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'archon72.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n${holder}\n`);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreError({ code: 'STORE_UNAVAILABLE', message: `cannot create lock file ${path}: ${(err as Error).message}`, cause: err });
      }
      const [pidText, owner] = readFileSync(path, 'utf8').split('\n');
      const pid = Number(pidText);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new StoreError({
          code: 'STORE_UNAVAILABLE',
          message: `the embedded database in ${dir} is in use by process ${pid} (${owner ?? 'unknown'}); stop it, or point DATABASE_URL at PostgreSQL to share a database between processes`,
          details: { pid },
        });
      }
      rmSync(path, { force: true }); // stale: its owner is gone
    }
  }
  throw new StoreError({ code: 'STORE_UNAVAILABLE', message: `could not lock ${path}` });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
