#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm install` (prepare) or `npm run build`.

// PKCS#11 signing runs on libuv's thread pool (4 threads unless told otherwise), so more HSM sessions than
// threads would sit idle. The pool size is read when the pool first starts, which has not happened yet here.
const sessions = Number(process.env.HSM_SESSIONS);
if (process.env.UV_THREADPOOL_SIZE === undefined && Number.isInteger(sessions) && sessions > 2) {
  process.env.UV_THREADPOOL_SIZE = String(Math.min(sessions + 2, 1024));
}
import('../dist/src/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli')) {
    console.error('archon72: not built yet; run `npm install` or `npm run build` first');
    process.exit(2);
  }
  throw err;
});
