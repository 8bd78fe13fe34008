import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { ReadStream } from 'node:tty';
import type { Command } from 'commander';
import { action, withStack } from './run-command.js';
import { provisionKeys, requireMigrated, requireNotHalted } from '../compose.js';
import { keeperRegistrationStatement, registerKeeperKey } from '../app/keeper-registration.js';
import { verifyEd25519Sodium } from '../adapters/crypto/sodium-ed25519.js';
import { readKeeperKeyFile, unlockKeeperKey, writeKeeperKeyFile } from '../adapters/keeper/keeper-key-file.js';
import { toBase64, toHex } from '../domain/encoding/bytes.js';
import { isKeeperId } from '../domain/signing/key.types.js';
import { parseJsonBytes } from '../domain/encoding/parse-json.js';
import { CustodyError, InputError } from '../domain/errors.js';
import {
  keeperStatementMessage,
  parseKeeperStatement,
  parseSignedStatement,
  toSignedStatementJson,
  type KeeperStatement,
  type SignedKeeperStatement,
} from '../domain/signing/keeper-statement.js';

/** Environment variable read for the passphrase when --passphrase-file is not given. */
export const PASSPHRASE_ENV = 'ARCHON72_KEEPER_PASSPHRASE';

/** Largest statement or signed statement file read (a statement is at most 64 KiB canonical; allow formatting). */
const MAX_DOCUMENT_BYTES = 1024 * 1024;

export interface PassphraseOptions {
  passphraseFile?: string;
}

/**
 * `archon72 keeper keygen|request|sign|register`: keeper keys, offline signing, and registration. keygen, request
 * and sign never open the database and never send anything anywhere: the keeper's private key stays in the key
 * file on this machine. register runs on the server side and only ever sees public keys and signatures.
 */
export function registerKeeper(program: Command): void {
  const keeper = program.command('keeper').description('keeper keys, offline signing of keeper statements, and keeper key registration');

  keeper
    .command('keygen')
    .description('create a keeper key file and print the keeper id, key id and public key')
    .requiredOption('--keeper <id>', 'keeper id, KEEPER:{name}')
    .requiredOption('--out <file>', 'key file to create (an existing file is never overwritten)')
    .option('--no-encrypt', 'store the private key unencrypted (for tests only; prints a warning)')
    .option('--passphrase-file <path>', `read the passphrase from this file (else $${PASSPHRASE_ENV}, else a prompt)`)
    .option('--json', 'print the result as one JSON object')
    .action(action(keygen));

  keeper
    .command('sign')
    .description('sign a keeper statement (a JSON object with a string "type") and print the signed statement document')
    .argument('<statement-file>', 'the statement, a JSON file')
    .requiredOption('--key <file>', 'keeper key file made by `archon72 keeper keygen`')
    .option('--out <file>', 'write the signed statement here (a new file) instead of stdout')
    .option('--passphrase-file <path>', `read the passphrase from this file (else $${PASSPHRASE_ENV}, else a prompt)`)
    .action(action(sign));

  keeper
    .command('request')
    .description('make the registration request for a keeper key: the key.registration statement signed by the new key itself (no database)')
    .requiredOption('--key <file>', 'the new keeper key file')
    .option('--out <file>', 'write the request here (a new file) instead of stdout')
    .option('--passphrase-file <path>', `read the passphrase from this file (else $${PASSPHRASE_ENV}, else a prompt)`)
    .action(action(request));

  keeper
    .command('register')
    .description('register a keeper key: a bootstrap while fewer than a quorum of keepers exist, else approved by a quorum of current keepers')
    .requiredOption('--request <file>', 'the request made by `archon72 keeper request`')
    .option('--approval <file>', 'the request signed by a current keeper (`archon72 keeper sign REQUEST --key KEY`); repeat per keeper', collect, [] as string[])
    .action(action(register));
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function request(opts: PassphraseOptions & { key: string; out?: string }): Promise<void> {
  const file = readKeeperKeyFile(opts.key);
  await signAndWrite(keeperRegistrationStatement(file.keeperId, file.keyId, toHex(file.publicKey)), opts);
}

async function register(opts: { request: string; approval: string[] }): Promise<void> {
  // Every file is read and checked before the database or the HSM is opened.
  const requestDoc = readSignedStatementFile(opts.request);
  const approvals = opts.approval.map(readSignedStatementFile);
  await withStack(
    'archon72 keeper register',
    async (stack) => {
      await requireMigrated(stack);
      await requireNotHalted(stack);
      await provisionKeys(stack);
      const result = await registerKeeperKey({ ...stack.systemEventDeps(), verify: stack.verify }, requestDoc, approvals);
      const how = result.resumed ? 'finished an interrupted registration' : result.bootstrap ? 'bootstrap (fewer than a quorum of keepers existed)' : `approved by ${result.approvedBy.join(', ')}`;
      process.stdout.write(`registered ${result.key.agentId} ${result.key.keyId} active_from=${result.key.activeFrom}: ${how}; keeper.key_registered at sequence ${result.eventSequence}\n`);
    },
    { custody: true },
  );
}

async function keygen(opts: PassphraseOptions & { keeper: string; out: string; encrypt: boolean; json?: boolean }): Promise<void> {
  if (!isKeeperId(opts.keeper)) {
    throw inputError('keeper', `--keeper ${JSON.stringify(opts.keeper)} is not a keeper id: KEEPER: then a letter or digit, then letters, digits, _ . - (at most 128 characters)`);
  }
  refuseExisting(opts.out);
  if (!opts.encrypt && opts.passphraseFile !== undefined) throw inputError('passphrase-file', '--passphrase-file and --no-encrypt cannot be used together');
  const passphrase = opts.encrypt ? await obtainPassphrase(opts, `the new key of ${opts.keeper}`, true) : undefined;
  const key = await writeKeeperKeyFile(opts.out, opts.keeper, passphrase);
  if (!opts.encrypt) {
    process.stderr.write(`WARNING: ${opts.out} holds the private key of ${key.keeperId} UNENCRYPTED; anyone who can read it can sign as this keeper. Use it for tests only.\n`);
  }
  const result = { keeper_id: key.keeperId, key_id: key.keyId, public_key: toHex(key.publicKey), file: opts.out, encryption: opts.encrypt ? 'scrypt-aes-256-gcm' : 'none' };
  if (opts.json === true) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`keeper_id   ${result.keeper_id}\nkey_id      ${result.key_id}\npublic_key  ${result.public_key}\n`);
}

/** `keeper sign` (and `halt ceremony sign`): signs the statement in `statementFile` with a keeper key file. */
export async function sign(statementFile: string, opts: PassphraseOptions & { key: string; out?: string }): Promise<void> {
  await signAndWrite(readStatementFile(statementFile), opts);
}

/** Signs `statement` with the key file and prints or writes the signed statement document. */
async function signAndWrite(statement: KeeperStatement, opts: PassphraseOptions & { key: string; out?: string }): Promise<void> {
  const file = readKeeperKeyFile(opts.key);
  if (opts.out !== undefined) refuseExisting(opts.out);
  const passphrase = file.encryption === 'none' ? undefined : await obtainPassphrase(opts, `${file.keeperId}'s key ${file.path}`, false);
  const signer = await unlockKeeperKey(file, passphrase);
  const message = keeperStatementMessage(statement);
  const signature = signer.sign(message);
  // Never hand out a signature that does not verify (a fault in the key or the library).
  if (!verifyEd25519Sodium(signature, message, signer.publicKey)) {
    throw new CustodyError({ code: 'CUSTODY_SIGN_FAILED', message: `the signature made with ${file.path} does not verify` });
  }
  const signed: SignedKeeperStatement = { statement, keeperId: signer.keeperId, keyId: signer.keyId, signature: toBase64(signature) };
  const text = `${JSON.stringify(toSignedStatementJson(signed), null, 2)}\n`;
  if (opts.out === undefined) {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileSync(opts.out, text, { flag: 'wx', mode: 0o644 });
  } catch (err) {
    throw inputError('out', `cannot write ${opts.out}: ${(err as Error).message}`, err);
  }
  process.stderr.write(`wrote the statement signed by ${signed.keeperId} (key ${signed.keyId}) to ${opts.out}\n`);
}

/**
 * Reads a keeper statement file: strict UTF-8 JSON, an object with a string `type` (parseKeeperStatement), or a
 * signed statement document, whose `statement` is taken (so an approver signs exactly what was requested).
 * Throws InputError INPUT_FIELD_INVALID (unreadable, or a bad statement), INPUT_INVALID_JSON or INPUT_PAYLOAD_*.
 */
export function readStatementFile(path: string): KeeperStatement {
  const json = parseJsonBytes(readDocument(path, 'statement file'), `statement file ${path}`);
  const isSignedDocument = typeof json === 'object' && json !== null && !Array.isArray(json) && 'statement' in json && 'signature' in json;
  return namingFile(path, () => (isSignedDocument ? parseSignedStatement(json).statement : parseKeeperStatement(json)));
}

/**
 * Reads a signed statement document `{ statement, keeper_id, key_id, signature }` (parseSignedStatement) from a
 * file. Checks its shape only; verifySignedStatement checks the signature against the registry.
 * Throws InputError INPUT_FIELD_INVALID (unreadable, or naming the bad member), INPUT_INVALID_JSON or INPUT_PAYLOAD_*.
 */
export function readSignedStatementFile(path: string): SignedKeeperStatement {
  const json = parseJsonBytes(readDocument(path, 'signed statement file'), `signed statement file ${path}`);
  return namingFile(path, () => parseSignedStatement(json));
}

/** Runs a parser, prefixing the file name to the message of the InputError it throws (code and details kept). */
function namingFile<T>(path: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new InputError({ code: err.code, message: `${path}: ${err.message}`, details: err.details, cause: err });
  }
}

function readDocument(path: string, what: string): Uint8Array {
  try {
    if (statSync(path).size > MAX_DOCUMENT_BYTES) throw new Error(`larger than ${MAX_DOCUMENT_BYTES} bytes`);
    return readFileSync(path);
  } catch (err) {
    throw inputError(what, `cannot read ${what} ${path}: ${(err as Error).message}`, err);
  }
}

function refuseExisting(path: string): void {
  if (existsSync(path)) throw inputError('out', `${path} already exists; refusing to overwrite it`);
}

// ---------------------------------------------------------------------------------------------------------------
// Passphrases: --passphrase-file, then $ARCHON72_KEEPER_PASSPHRASE, then a hidden prompt on a terminal.

async function obtainPassphrase(opts: PassphraseOptions, forWhat: string, confirm: boolean): Promise<string> {
  if (opts.passphraseFile !== undefined) return readPassphraseFile(opts.passphraseFile);
  const fromEnv = process.env[PASSPHRASE_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (process.stdin.isTTY !== true) {
    throw inputError(
      'passphrase',
      `no passphrase for ${forWhat}: pass --passphrase-file PATH, set ${PASSPHRASE_ENV}, or run in a terminal to be asked${confirm ? ' (or --no-encrypt, for tests only)' : ''}`,
    );
  }
  const passphrase = await promptHidden(`Passphrase for ${forWhat}: `);
  if (confirm && (await promptHidden('Repeat the passphrase: ')) !== passphrase) throw inputError('passphrase', 'the two passphrases do not match');
  return passphrase;
}

/** The file's text without one trailing newline; strict UTF-8. Warns when other users can read the file. */
function readPassphraseFile(path: string): string {
  let bytes: Buffer;
  try {
    if ((statSync(path).mode & 0o077) !== 0) process.stderr.write(`warning: passphrase file ${path} is readable by other users; chmod 600 it\n`);
    bytes = readFileSync(path);
  } catch (err) {
    throw inputError('passphrase-file', `cannot read passphrase file ${path}: ${(err as Error).message}`, err);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    throw inputError('passphrase-file', `passphrase file ${path} is not valid UTF-8`, err);
  }
  text = text.replace(/\r?\n$/, '');
  if (text === '') throw inputError('passphrase-file', `passphrase file ${path} is empty`);
  return text;
}

/** Reads one line from the terminal without echoing it. Ctrl-C or Ctrl-D on an empty line cancels. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin as ReadStream;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003' || (ch === '\u0004' && value === '')) {
          finish();
          reject(inputError('passphrase', 'passphrase entry cancelled'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch === '\u0015') value = '';
        else if (ch === '\u001b') break; // an escape sequence (arrow keys): drop the rest of it
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.setEncoding('utf8');
    stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}

function inputError(field: string, message: string, cause?: unknown): InputError {
  return new InputError({ code: 'INPUT_FIELD_INVALID', message, details: { field }, cause });
}
