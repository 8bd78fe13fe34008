// The Emmett side of `npm run evidence` (bench/evidence/load/load-emmett.ts starts it with fork()). Plain JavaScript
// in its own package, so the root package never depends on Emmett (its peers want commander ^12; we have 14).
//
// Protocol (IPC messages):
//   parent → child  { type: 'run', writers, durationMs, run, payload }   closed-loop appends for durationMs
//   child → parent  { type: 'window', events, busyMs, latenciesMs, failures }
//   parent → child  { type: 'count' }   →   { type: 'count', n }        rows in emt_messages
//   parent → child  { type: 'close' }                                    closes the store and exits 0
//   child → parent  { type: 'ready' } once the schema is migrated, or { type: 'error', message } on any failure.
//
// Each writer appends one event per appendToStream call to a stream of its own (bench-<run>-<writer>), with no
// expected version: Emmett's own transaction per call, its emt_append_to_stream function, no HTTP. The loop is the
// same closed loop as bench/evidence/load/closed-loop.ts: a writer starts its next append the moment its last one
// returned; writers stop starting appends after durationMs; the window ends when the last append returned.
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';

/** The pool size of our server (src/adapters/postgres/pg-client.ts), so both have as many connections. */
const POOL_SIZE = 20;
const EVENT_TYPE = 'bench.motion_recorded';

const url = process.env.EVIDENCE_DATABASE_URL;
if (!url) {
  process.send?.({ type: 'error', message: 'EVIDENCE_DATABASE_URL is not set' });
  process.exit(2);
}
const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE });
const store = getPostgreSQLEventStore(url, { connectionOptions: { pool } });

async function runWindow({ writers, durationMs, run, payload }) {
  const latenciesMs = [];
  const failures = {};
  let started = 0;
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  const loop = async (writer) => {
    const stream = `bench-${run}-${writer}`;
    while (performance.now() < deadline) {
      const n = started++;
      const sent = performance.now();
      try {
        await store.appendToStream(stream, [{ type: EVENT_TYPE, data: { ...payload, run, n } }]);
        latenciesMs.push(performance.now() - sent);
      } catch (err) {
        const key = `thrown ${err?.code ?? err?.name ?? 'error'}`;
        failures[key] = (failures[key] ?? 0) + 1;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, w) => loop(w)));
  return { type: 'window', events: latenciesMs.length, busyMs: performance.now() - t0, latenciesMs, failures };
}

process.on('message', (message) => {
  const reply = async () => {
    if (message.type === 'run') return runWindow(message);
    if (message.type === 'count') return { type: 'count', n: Number((await pool.query('SELECT count(*)::int AS n FROM emt_messages')).rows[0].n) };
    if (message.type === 'close') {
      await store.close().catch(() => undefined);
      await pool.end().catch(() => undefined);
      process.exit(0);
    }
    return { type: 'error', message: `unknown message ${JSON.stringify(message)}` };
  };
  reply().then(
    (answer) => process.send(answer),
    (err) => process.send({ type: 'error', message: String(err?.stack ?? err) }),
  );
});

store.schema.migrate().then(
  () => process.send({ type: 'ready' }),
  (err) => {
    process.send({ type: 'error', message: String(err?.stack ?? err) });
    process.exit(1);
  },
);
