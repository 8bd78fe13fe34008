import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { action, EXIT } from './run-command.js';
import { createLogger } from '../api/logger.js';
import { installErrorHandler, sendError } from '../api/errors.js';
import { verifyEd25519Sodium } from '../adapters/crypto/sodium-ed25519.js';
import { systemClock } from '../adapters/system-clock.js';
import { cosignerVkey, readCosignerKeyFile, writeCosignerKeyFile } from '../adapters/witness/cosigner-key-file.js';
import { openFileCosignerState } from '../adapters/witness/file-cosigner-state.js';
import { Cosigner } from '../app/cosigner/cosigner.js';
import { fromBase64, toBase64, toHex } from '../domain/encoding/bytes.js';
import { CosignerError, InputError, RouteError } from '../domain/errors.js';
import { formatTreeSizeBody } from '../domain/note/add-checkpoint-request.js';
import { isValidKeyName } from '../domain/note/signed-note.js';

/** Largest add-checkpoint body accepted: 63 proof lines and a checkpoint with 100 signature lines fit easily. */
const BODY_LIMIT = 64 * 1024;
const DEFAULT_LISTEN = '127.0.0.1:7380';
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `archon72 witness keygen` and `archon72 witness serve`: the checkpoint cosigner, a separate process that
 * independent parties run on their own machines (C2SP tlog-witness, docs/PROTOCOL.md §16.4).
 */
export function registerWitnessServe(witness: Command): void {
  witness
    .command('keygen')
    .description('generate a checkpoint cosigner key file (mode 0600) and print its public key for the log configuration')
    .requiredOption('--name <name>', 'the cosigner name, the key name of its cosignature lines (e.g. witness.example.org/w1)')
    .requiredOption('--out <file>', 'where to write the key file (never overwritten)')
    .option('--json', 'print JSON')
    .action(
      action(async (opts: { name: string; out: string; json?: boolean }) => {
        const key = writeCosignerKeyFile(opts.out, opts.name);
        const summary = { name: key.name, public_key: toBase64(key.publicKey), key_id: toHex(key.keyId), vkey: cosignerVkey(key), file: opts.out };
        if (opts.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        else {
          process.stdout.write(`cosigner ${key.name}: key ID ${summary.key_id}, public key ${summary.public_key}\nvkey: ${summary.vkey}\n`);
          process.stdout.write(`the log's CHECKPOINT_COSIGNERS entry: ${key.name}=<this cosigner's URL>=${summary.public_key}\n`);
        }
        return EXIT.ok;
      }),
    );

  witness
    .command('serve')
    .description('run a checkpoint cosigner: POST /add-checkpoint (C2SP tlog-witness) until SIGTERM/SIGINT')
    .requiredOption('--key <file>', 'the cosigner key file (archon72 witness keygen)')
    .requiredOption('--state <file>', 'the state file: the last checkpoint cosigned per log (created if absent; keep it, back it up)')
    .addOption(new Option('--log <origin=publickey>', 'a log to witness: its origin and base64 Ed25519 public key (repeatable)').argParser(collectLog).makeOptionMandatory())
    .addOption(new Option('--listen <host:port>', 'address to listen on (port 0: any free port)').default(DEFAULT_LISTEN).argParser(parseListen))
    .addOption(new Option('--log-level <level>', 'fatal, error, warn, info, debug').default('info').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
    .action(action(async (opts: ServeOptions) => serveCosigner(opts)));
}

interface ServeOptions {
  key: string;
  state: string;
  log: Map<string, Uint8Array>;
  listen: { host: string; port: number };
  logLevel: string;
}

/** Runs the cosigner until a signal; resolves with the exit code once closed. */
async function serveCosigner(opts: ServeOptions): Promise<number> {
  const logger = createLogger({ level: opts.logLevel, pretty: false });
  const signer = readCosignerKeyFile(opts.key);
  const state = openFileCosignerState(opts.state);
  const cosigner = new Cosigner({
    logs: opts.log,
    state,
    signer,
    clock: systemClock,
    verify: verifyEd25519Sodium,
    log: (level, message, fields) => logger[level](fields ?? {}, message),
  });
  const app = buildWitnessApp(cosigner, logger);
  try {
    const address = await app.listen({ host: opts.listen.host, port: opts.listen.port });
    logger.info(
      { url: address, cosigner: signer.name, vkey: cosignerVkey(signer), logs: [...opts.log.keys()], state: opts.state, cosigned: Object.fromEntries(state.origins().map((o) => [o, state.latest(o)?.treeSize])) },
      `witness: cosigner ${signer.name} listening on ${address}`,
    );
  } catch (err) {
    state.close();
    throw err;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'witness: stopping');
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await app.close();
  state.close();
  return EXIT.ok;
}

/**
 * The cosigner's HTTP service: POST /add-checkpoint answers 200 with the cosignature line (text/plain), 409 with
 * the cosigned size (text/x.tlog.size) for a stale old size, and every other refusal in the project's error shape
 * with the status C2SP tlog-witness prescribes (src/api/errors.ts). Never calls listen().
 */
export function buildWitnessApp(cosigner: Cosigner, logger: FastifyBaseLogger): FastifyInstance {
  const app = Fastify({ loggerInstance: logger, bodyLimit: BODY_LIMIT, return503OnClosing: true });
  installErrorHandler(app);
  // The body is text in any (or no) media type: tlog-witness names none.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.setNotFoundHandler((request, reply) => sendError(new RouteError({ code: 'ROUTE_NOT_FOUND', message: `no route ${request.method} ${request.url}` }), request, reply));
  app.post('/add-checkpoint', async (request, reply) => {
    const text = decodeBody(request.body);
    try {
      const line = await cosigner.addCheckpoint(text);
      return reply.type('text/plain; charset=utf-8').send(line);
    } catch (err) {
      if (err instanceof CosignerError && err.code === 'COSIGNER_OLD_SIZE_MISMATCH') {
        return reply.status(409).type('text/x.tlog.size').send(formatTreeSizeBody(err.details?.knownSize as number));
      }
      throw err;
    }
  });
  return app;
}

function decodeBody(body: unknown): string {
  const bytes = body instanceof Uint8Array ? body : new Uint8Array(0);
  try {
    return strictUtf8.decode(bytes);
  } catch (cause) {
    throw new InputError({ code: 'INPUT_ADD_CHECKPOINT_MALFORMED', message: 'the request body is not valid UTF-8', details: { reason: 'not UTF-8' }, cause });
  }
}

/** Commander collector of --log ORIGIN=PUBLICKEY: a note key name, "=", a 32-byte key in padded base64. */
function collectLog(value: string, previous: Map<string, Uint8Array> | undefined): Map<string, Uint8Array> {
  const logs = previous ?? new Map<string, Uint8Array>();
  const match = /^(.+)=([A-Za-z0-9+/]{43}=)$/.exec(value);
  const key = match?.[2] === undefined ? undefined : fromBase64(match[2]);
  const origin = match?.[1] ?? '';
  if (key?.length !== 32 || !isValidKeyName(origin)) {
    throw new InvalidArgumentError(`--log expects ORIGIN=PUBLICKEY (the log's origin, then its Ed25519 public key in base64), got ${JSON.stringify(value)}`);
  }
  if (logs.has(origin)) throw new InvalidArgumentError(`--log names ${origin} twice`);
  return logs.set(origin, key);
}

/** HOST:PORT, [IPv6]:PORT or PORT alone (on 127.0.0.1). */
function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[^:\s]+):)?(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (match === null || port > 65535) throw new InvalidArgumentError(`--listen expects HOST:PORT (port 0–65535), got ${JSON.stringify(value)}`);
  return { host: (match[1] ?? '127.0.0.1').replace(/^\[(.*)\]$/, '$1'), port };
}
