import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { action, loadConfig, EXIT } from './run-command.js';
import { apiBaseUrl, callApi } from './api-client.js';
import { readSignedStatementFile, readStatementFile, sign } from './keeper.js';
import { newClearStatement } from '../app/halt-service.js';
import { toSignedStatementJson } from '../domain/signing/keeper-statement.js';
import { toCanonicalTimestamp } from '../domain/chain/timestamp.js';
import { HALT_TRIGGER_TYPE, requireHaltReason } from '../domain/halt/halt-statements.js';
import { HaltError } from '../domain/errors.js';

/** GET /v1/halt's body. */
interface HaltStateJson {
  halted: boolean;
  reason: string | null;
  source: string | null;
  halted_by: string | null;
  halted_at: string | null;
  halt_sequence: number | null;
  halted_after_sequence: number | null;
  cleared_at: string | null;
  ceremony_id: string | null;
  instance: string;
}

const base = () => apiBaseUrl(loadConfig(), process.env);

function write(out: string | undefined, document: unknown): void {
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (out === undefined) process.stdout.write(text);
  else writeFileSync(out, text, { flag: 'wx' });
}

function parseMinutes(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 24 * 60) throw new InvalidArgumentError(`must be whole minutes from 1 to 1440, got ${JSON.stringify(value)}`);
  return n;
}

function statusLine(s: HaltStateJson): string {
  if (!s.halted) return `operational (this instance: ${s.instance})${s.cleared_at ? `; last halt cleared at ${s.cleared_at} by ceremony ${s.ceremony_id}` : ''}\n`;
  return `HALTED since ${s.halted_at} by ${s.halted_by ?? '?'} (${s.source ?? '?'}): ${s.reason}\n  halt sequence ${s.halt_sequence}; this instance: ${s.instance}\n`;
}

/**
 * `archon72 halt status|trigger|statement` and `archon72 halt ceremony create|sign|submit`. They talk to the
 * running service (ARCHON72_API_URL, default 127.0.0.1:API_PORT), so they work on the embedded database too; with
 * the service down, halt through Redis or SQL as the runbook shows (§9.3).
 */
export function registerHalt(program: Command): void {
  const halt = program.command('halt').description('the system halt (CT-11): status, trigger, and the keeper ceremony that clears it');

  halt
    .command('status')
    .description('whether the system is halted, why, since when, and by whom')
    .option('--json', 'print GET /v1/halt as JSON')
    .action(
      action(async (opts: { json?: boolean }) => {
        const state = await callApi<HaltStateJson>(base(), 'GET', '/v1/halt');
        process.stdout.write(opts.json ? `${JSON.stringify(state)}\n` : statusLine(state));
        return EXIT.ok;
      }),
    );

  halt
    .command('trigger')
    .description('halt the system: as the operator (ADMIN_TOKEN) with --reason, or with a keeper-signed halt.trigger statement')
    .addOption(new Option('--reason <text>', 'why (operator halt, POST /v1/admin/halt with $ADMIN_TOKEN)').conflicts('signed'))
    .addOption(new Option('--signed <file>', 'a halt.trigger statement signed with `archon72 keeper sign` (POST /v1/halt)'))
    .action(
      action(async (opts: { reason?: string; signed?: string }) => {
        let state: HaltStateJson;
        if (opts.signed !== undefined) {
          state = await callApi<HaltStateJson>(base(), 'POST', '/v1/halt', toSignedStatementJson(readSignedStatementFile(opts.signed)));
        } else {
          const reason = requireHaltReason(opts.reason);
          const token = process.env.ADMIN_TOKEN;
          if (token === undefined || token === '') {
            throw new HaltError({ code: 'HALT_UNAUTHORIZED', message: 'set ADMIN_TOKEN to the service’s admin token, or halt with a keeper-signed statement (--signed)' });
          }
          state = await callApi<HaltStateJson>(base(), 'POST', '/v1/admin/halt', { reason }, { authorization: `Bearer ${token}` });
        }
        process.stdout.write(statusLine(state));
      }),
    );

  halt
    .command('statement')
    .description('print a halt.trigger statement for a keeper to sign (`archon72 keeper sign`), valid for --expires-in minutes')
    .requiredOption('--reason <text>', 'why')
    .addOption(new Option('--expires-in <minutes>', 'validity, at most 60').default(15).argParser(parseMinutes))
    .option('--out <file>', 'write it to a new file')
    .action(
      action(async (opts: { reason: string; expiresIn: number; out?: string }) => {
        if (opts.expiresIn > 60) throw new InvalidArgumentError('--expires-in of a halt command is at most 60 minutes');
        const now = Date.now();
        write(opts.out, {
          type: HALT_TRIGGER_TYPE,
          reason: requireHaltReason(opts.reason),
          issued_at: toCanonicalTimestamp(new Date(now)),
          expires_at: toCanonicalTimestamp(new Date(now + opts.expiresIn * 60_000)),
          nonce: randomBytes(16).toString('hex'),
        });
      }),
    );

  const ceremony = halt.command('ceremony').description('clear a halt: create the statement, keepers sign it offline, submit the signatures');

  ceremony
    .command('create')
    .description('print a halt.clear statement for the current halt (new ceremony id and nonce), for keepers to sign')
    .requiredOption('--reason <text>', 'why the halt can be cleared (recorded in halt.cleared)')
    .addOption(new Option('--expires-in <minutes>', 'how long keepers have to sign and submit').default(60).argParser(parseMinutes))
    .option('--out <file>', 'write it to a new file')
    .action(
      action(async (opts: { reason: string; expiresIn: number; out?: string }) => {
        const state = await callApi<HaltStateJson>(base(), 'GET', '/v1/halt');
        if (!state.halted) throw new HaltError({ code: 'HALT_NOT_HALTED', message: 'the system is not halted, so there is nothing to clear' });
        // halt_sequence in GET /v1/halt is already the sequence a clear statement must name.
        const halt = { haltEventSequence: state.halt_sequence ?? undefined, haltedAfterSequence: state.halted_after_sequence ?? undefined };
        const now = Date.now();
        write(opts.out, newClearStatement(halt, opts.reason, toCanonicalTimestamp(new Date(now)), toCanonicalTimestamp(new Date(now + opts.expiresIn * 60_000))));
      }),
    );

  ceremony
    .command('sign')
    .description('sign a clear statement with your keeper key file (the same as `archon72 keeper sign`)')
    .argument('<statement-file>', 'the statement made by `halt ceremony create`')
    .requiredOption('--key <file>', 'your keeper key file')
    .option('--out <file>', 'write the signed statement here (a new file) instead of stdout')
    .option('--passphrase-file <path>', 'read the passphrase from this file (else $ARCHON72_KEEPER_PASSPHRASE, else a prompt)')
    .action(action(sign));

  ceremony
    .command('submit')
    .description('clear the halt: send the statement and the keepers’ signatures (POST /v1/halt/ceremony)')
    .requiredOption('--statement <file>', 'the statement made by `halt ceremony create`')
    .requiredOption('--signature <file...>', 'signed statements from `halt ceremony sign`, one per keeper')
    .action(
      action(async (opts: { statement: string; signature: string[] }) => {
        const statement = readStatementFile(opts.statement);
        const signatures = opts.signature.map((file) => toSignedStatementJson(readSignedStatementFile(file)));
        const result = await callApi<{ ceremony_id: string; event_sequence: number; state: HaltStateJson }>(base(), 'POST', '/v1/halt/ceremony', { statement, signatures });
        process.stdout.write(`cleared by ceremony ${result.ceremony_id} (halt.cleared at sequence ${result.event_sequence}); instances resume writing after verifying the whole chain\n`);
      }),
    );
}
