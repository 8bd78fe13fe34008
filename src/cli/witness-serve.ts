import { InvalidArgumentError, Option, type Command } from 'commander';
import { action, EXIT } from './run-command.js';
import { runCosigner, type CosignerOptions } from '../main.js';
import { cosignerVkey, writeCosignerKeyFile } from '../adapters/witness/cosigner-key-file.js';
import { fromBase64, toBase64, toHex } from '../domain/encoding/bytes.js';
import { isValidKeyName } from '../domain/note/signed-note.js';

const DEFAULT_LISTEN = '127.0.0.1:7380';

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
    .action(
      action(async (opts: CosignerOptions) => {
        // The cosigner's own composition root (src/main.ts) builds its HTTP service, listens and waits for a signal.
        await runCosigner(opts);
        return EXIT.ok;
      }),
    );
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
