import { readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { action, withStack, EXIT } from './run-command.js';
import { conclaveDeps, CONCLAVE_LLM_DEFAULTS, createConclaveLlm, provisionKeys, requireMigrated, type Stack } from '../compose.js';
import { loadRoster } from '../adapters/conclave/roster-file.js';
import { parseLlmConfig } from '../adapters/llm/llm-config.js';
import { CONCLAVE_PROVIDERS, type ConclaveProvider } from '../app/config.js';
import { readSessionEvents } from '../app/conclave/session-log.js';
import { runSession, startSession, type ConclaveDeps, type SessionOutcome, type SessionProgress } from '../app/conclave/run-session.js';
import { checkProposer, parseMotion } from '../domain/deliberation/motion.js';
import { checkSessionRules, DEFAULT_SESSION_RULES, type Fraction } from '../domain/deliberation/session-rules.js';
import { parseJsonBytes } from '../domain/encoding/parse-json.js';
import { sessionTranscript, transcriptEntry, type LoggedSessionEvent } from '../domain/deliberation/transcript.js';
import { sessionResults } from '../domain/deliberation/results.js';
import { DeliberationError, InputError } from '../domain/errors.js';
import { isUuid } from '../domain/chain/identifiers.js';
import type { Roster } from '../domain/deliberation/roster.js';
import type { LlmClient } from '../app/ports.js';

interface LlmOptions {
  provider: ConclaveProvider;
  llmConfig?: string;
  timeoutMs: number;
  retries: number;
  concurrency: number;
}

/** `archon72 conclave run|resume|transcript|results`. */
export function registerConclave(program: Command): void {
  const conclave = program.command('conclave').description('run the 72-archon Conclave: every act signed by its archon and recorded in the log');

  withLlmOptions(
    conclave
      .command('run')
      .description('open a session on a motion, deliberate to a vote and adjourn; prints the session id and the result')
      .requiredOption('--motion-file <path>', 'the motion: JSON {"title","text","kind","proposer" (a King) | "submitted_by" (a keeper)}')
      .addOption(new Option('--rounds <n>', 'debate rounds').default(3).argParser(intIn('--rounds', 1, 10)))
      .option('--seed <text>', 'seed of the simulated provider and of the red team draw (default: random)')
      .option('--validate-votes', 'have both secretaries and the witness read each vote (corrections recorded as events)')
      .addOption(new Option('--supermajority <n/d>', 'AYE needed, as a share of AYE + NAY (floor 2/3)').default(DEFAULT_SESSION_RULES.supermajority, '2/3').argParser(fractionArg('--supermajority')))
      .addOption(new Option('--quorum <n/d>', 'present must exceed this share of the roster (floor 1/2)').default(DEFAULT_SESSION_RULES.quorum, '1/2').argParser(fractionArg('--quorum')))
      .option('--transcript-out <path>', 'write the transcript live, as events are written'),
  ).action(
    action(async (opts: LlmOptions & { motionFile: string; rounds: number; seed?: string; validateVotes?: boolean; supermajority: Fraction; quorum: Fraction; transcriptOut?: string }) => {
      // Read and check the operator's input before the database or the HSM is opened.
      const motion = parseMotion(parseJsonBytes(readInput(opts.motionFile), `motion file ${opts.motionFile}`));
      const rules = checkSessionRules({ ...DEFAULT_SESSION_RULES, rounds: opts.rounds, validateVotes: opts.validateVotes === true, supermajority: opts.supermajority, quorum: opts.quorum });
      const roster = loadRoster();
      checkProposer(motion, roster.archons);
      const llm = buildLlm(opts);
      return withStack(
        'archon72 conclave run',
        async (stack) => {
          const outcome = await runWithProgress(stack, roster, llm, opts.transcriptOut, (deps) =>
            startSession(deps, { motion, rules, provider: opts.provider, ...(opts.seed === undefined ? {} : { seed: opts.seed }) }),
          );
          return report(outcome);
        },
        { custody: true },
      );
    }),
  );

  withLlmOptions(
    conclave
      .command('resume <session>')
      .description('continue an interrupted session from its last act in the log')
      .option('--transcript-out <path>', 'append the transcript of the acts written from now on'),
  ).action(
    action(async (session: string, opts: LlmOptions & { transcriptOut?: string }) => {
      const sessionId = requireSessionId(session);
      const roster = loadRoster();
      const llm = buildLlm(opts);
      return withStack(
        'archon72 conclave resume',
        async (stack) => report(await runWithProgress(stack, roster, llm, opts.transcriptOut, (deps) => runSession(deps, sessionId))),
        { custody: true },
      );
    }),
  );

  conclave
    .command('transcript <session>')
    .description('print the Markdown transcript of a session, rebuilt from its events in the log')
    .action(
      action(async (session: string) => {
        const sessionId = requireSessionId(session);
        const roster = loadRoster();
        return withStack('archon72 conclave transcript', async (stack) => {
          const events = await readSession(stack, sessionId);
          process.stdout.write(sessionTranscript(events, nameOf(roster)));
          return EXIT.ok;
        });
      }),
    );

  conclave
    .command('results <session>')
    .description('print the results of a session as JSON, rebuilt from its events in the log')
    .action(
      action(async (session: string) => {
        const sessionId = requireSessionId(session);
        return withStack('archon72 conclave results', async (stack) => {
          process.stdout.write(`${JSON.stringify(sessionResults(await readSession(stack, sessionId)), null, 2)}\n`);
          return EXIT.ok;
        });
      }),
    );
}

function withLlmOptions(command: Command): Command {
  return command
    .addOption(new Option('--provider <name>', 'model provider').choices(CONCLAVE_PROVIDERS).default('simulated'))
    .option('--llm-config <path>', 'openai provider: JSON with base URL, model and API key variable by default, per rank and per archon (else OPENAI_BASE_URL, OPENAI_MODEL, OPENAI_API_KEY)')
    .addOption(new Option('--timeout-ms <ms>', 'per model call').default(CONCLAVE_LLM_DEFAULTS.timeoutMs).argParser(intIn('--timeout-ms', 100, 600_000)))
    .addOption(new Option('--retries <n>', 'retries of a transient model failure').default(CONCLAVE_LLM_DEFAULTS.retries).argParser(intIn('--retries', 0, 10)))
    .addOption(new Option('--concurrency <n>', 'model calls at once, across all archons').default(CONCLAVE_LLM_DEFAULTS.concurrency).argParser(intIn('--concurrency', 1, 72)));
}

/** The provider behind the resilience wrapper (timeouts, retries with jittered backoff, one concurrency cap). */
function buildLlm(opts: LlmOptions): LlmClient {
  const llmConfig = opts.provider === 'openai' && opts.llmConfig !== undefined ? parseLlmConfig(readInput(opts.llmConfig).toString()) : undefined;
  return createConclaveLlm(
    { provider: opts.provider, ...(llmConfig === undefined ? {} : { llmConfig }), timeoutMs: opts.timeoutMs, retries: opts.retries, concurrency: opts.concurrency },
    process.env,
  );
}

async function runWithProgress(stack: Stack, roster: Roster, llm: LlmClient, transcriptOut: string | undefined, run: (deps: ConclaveDeps) => Promise<SessionOutcome>): Promise<SessionOutcome> {
  await requireMigrated(stack);
  await provisionKeys(stack);
  const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ format: 'conclave [{bar}] {value}/{total} events {status}', hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
  let started = false;
  // The live transcript: each batch's entries as it is written (and after a halt, from the log again).
  let previous: LoggedSessionEvent | undefined;
  const names = nameOf(roster);
  const appendTranscript = (events: readonly LoggedSessionEvent[]) => {
    if (transcriptOut === undefined) return;
    let text = '';
    for (const event of events) {
      text += transcriptEntry(event, previous, names);
      previous = event;
    }
    appendFileSync(transcriptOut, text);
  };
  if (transcriptOut !== undefined) writeFileSync(transcriptOut, '');
  const onProgress = (p: SessionProgress) => {
    if (bar === undefined) return;
    if (!started) bar.start(p.estimatedTotal, p.written, { status: '' });
    started = true;
    bar.setTotal(p.estimatedTotal);
    bar.update(p.written, { status: p.paused ? '(halted: waiting for the keepers’ ceremony)' : '' });
  };
  const deps = conclaveDeps(stack, { roster, llm, onProgress });
  const log = deps.log;
  const logWithTranscript: typeof log = {
    ...log,
    async append(events) {
      const stored = await log.append(events);
      appendTranscript(stored);
      return stored;
    },
    async read(sessionId) {
      const stored = await log.read(sessionId);
      // On resume the live transcript starts with what the log already holds.
      if (previous === undefined && transcriptOut !== undefined) appendTranscript(stored);
      return stored;
    },
  };
  try {
    return await run({ ...deps, log: logWithTranscript });
  } finally {
    bar?.stop();
  }
}

async function readSession(stack: Stack, sessionId: string): Promise<LoggedSessionEvent[]> {
  await requireMigrated(stack);
  const events = await readSessionEvents(stack.eventQuery, sessionId);
  if (events.length === 0) throw new DeliberationError({ code: 'DELIBERATION_SESSION_NOT_FOUND', message: `no Conclave session ${sessionId} is in the log`, details: { sessionId } });
  return events;
}

function report(outcome: SessionOutcome): number {
  const t = outcome.tally;
  const result = t === undefined ? `adjourned (${outcome.reason.replace(/_/g, ' ')})` : `${t.passed ? 'PASSED' : 'FAILED'}: ${t.aye} AYE, ${t.nay} NAY, ${t.abstain} ABSTAIN, ${t.unparseable} unparseable (needs ${t.supermajority.num}/${t.supermajority.den} of AYE+NAY)`;
  process.stdout.write(`session ${outcome.sessionId}: ${outcome.events} events; ${result}\n`);
  return EXIT.ok;
}

function nameOf(roster: Roster): (id: string) => string {
  return (id) => roster.byId(id)?.name ?? id;
}

function requireSessionId(text: string): string {
  if (!isUuid(text)) throw new InputError({ code: 'INPUT_FIELD_INVALID', message: `session must be a session id (a lowercase UUID), got ${JSON.stringify(text)}`, details: { field: 'session' } });
  return text;
}

function readInput(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new InputError({ code: 'INPUT_FIELD_INVALID', message: `cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, details: { field: path }, cause });
  }
}

/** A fraction option, `n/d` in whole numbers; the rule's floor is checked with the other rules (checkSessionRules). */
function fractionArg(flag: string): (value: string) => Fraction {
  return (value) => {
    const match = /^(\d{1,7})\/(\d{1,7})$/.exec(value);
    if (match === null) throw new InvalidArgumentError(`${flag} must be a fraction n/d such as 2/3, got ${JSON.stringify(value)}`);
    return { num: Number(match[1]), den: Number(match[2]) };
  };
}

function intIn(flag: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return n;
  };
}
