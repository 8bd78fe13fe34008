import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../../domain/errors.js';
import { takePidLock } from '../fs/pid-lock-file.js';

/**
 * PGlite is a single-process database: two processes opening one directory would corrupt it, so the directory is
 * locked with a pid lock file (`archon72.lock`). Throws StoreError STORE_UNAVAILABLE naming the owning pid when
 * another live process holds it. Returns a function that releases the lock.
 */
export function lockDataDir(dir: string, holder: string): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'archon72.lock');
  let lock;
  try {
    lock = takePidLock(path, holder);
  } catch (err) {
    throw new StoreError({ code: 'STORE_UNAVAILABLE', message: `cannot create lock file ${path}: ${(err as Error).message}`, cause: err });
  }
  if (lock.kind === 'acquired') return lock.release;
  if (lock.kind === 'held') {
    throw new StoreError({
      code: 'STORE_UNAVAILABLE',
      message: `the embedded database in ${dir} is in use by process ${lock.pid} (${lock.holder ?? 'unknown'}); stop it, or point DATABASE_URL at PostgreSQL to share a database between processes`,
      details: { pid: lock.pid },
    });
  }
  throw new StoreError({ code: 'STORE_UNAVAILABLE', message: `could not lock ${path}` });
}
