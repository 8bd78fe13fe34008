import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, randomPort, runCli, startProcess, type CliResult } from '../support/run-cli.js';
import { runCliAsync } from '../support/run-cli-async.js';
import { startServe } from '../support/serve-process.js';
import { startChatCompletionsServer, type ChatAnswer, type ChatCompletionsServer, type ChatRequest } from '../support/chat-completions-server.js';

const DEV = { DEV_MODE: 'true', ENVIRONMENT: 'development' };
const SEED = 'e2e-conclave-seed';
const MOTION = { title: 'Adopt a quarterly witness rotation', text: 'The Conclave adopts a quarterly rotation of the witness pool.', kind: 'policy', proposer: 'ARCHON:bael' };
/** `conclave run` / `resume`: the one summary line on stdout. */
const SUMMARY = /^session ([0-9a-f-]{36}): (\d+) events; (PASSED|FAILED): (\d+) AYE, (\d+) NAY, (\d+) ABSTAIN, (\d+) unparseable \(needs \d+\/\d+ of AYE\+NAY\)\n$/;
/** Long enough for a 72-archon session of the built CLI on a shared 2-core machine. */
const SESSION_TIMEOUT = 300_000;

interface LoggedEvent {
  sequence: number;
  event_type: string;
  agent_id: string;
  payload: Record<string, unknown>;
}

interface Results {
  session_id: string;
  provider: string;
  status: string;
  adjournment: string | null;
  present: string[];
  absent: string[];
  speeches: number;
  votes: Array<{ voter: string; choice: string | null; cast: string | null }>;
  failures: Array<{ archon_id: string; act: string; code: string }>;
  tally: { aye: number; nay: number; abstain: number; unparseable: number; not_voting: number; passed: boolean } | null;
  result: string | null;
}

/** The transcript with what differs between two runs of one seed blanked: the session id and every `<sub>#sequence · time</sub>`. */
function normalise(transcript: string, sessionId: string): string {
  return transcript.split(sessionId).join('<session>').replace(/<sub>[^<]*<\/sub>/g, '<sub/>');
}

/** The numbers of the debate's speeches (`### N. Name (round r)`), in transcript order. */
function speechNumbers(transcript: string): number[] {
  return [...transcript.matchAll(/^### (\d+)\. /gm)].map((m) => Number(m[1]));
}

function oneTo(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

function expectOk(result: CliResult): void {
  expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
}

/** The session's events in the log, read back with `events tail` (the whole log: it holds under 10,000 events). */
function sessionEvents(env: Record<string, string>, sessionId: string): LoggedEvent[] {
  const tail = runCli(['events', 'tail', '-n', '10000'], env);
  expectOk(tail);
  return tail.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LoggedEvent)
    .filter((e) => e.payload.session_id === sessionId);
}

function results(env: Record<string, string>, sessionId: string): Results {
  const result = runCli(['conclave', 'results', sessionId], env);
  expectOk(result);
  return JSON.parse(result.stdout) as Results;
}

/** Polls `path` until its text matches `pattern`; throws if `exited` settles first or after `timeoutMs`. */
async function waitForFileText(path: string, pattern: RegExp, exited: Promise<unknown>, timeoutMs: number): Promise<void> {
  let done = false;
  void exited.then(() => (done = true));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(path) && pattern.test(readFileSync(path, 'utf8'))) return;
    if (done) throw new Error(`the process exited before ${path} matched ${pattern}`);
    if (Date.now() > deadline) throw new Error(`${path} did not match ${pattern} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * `archon72 conclave` as an operator runs it: the built CLI on embedded PGlite, one data directory per scenario.
 * The simulated provider answers from the act's seed alone, so a seed fixes the whole transcript (up to ids,
 * sequence numbers and times), across data directories and across a kill -9 and resume.
 */
describe('archon72 conclave (built CLI, embedded PGlite)', () => {
  let dir: string;
  const path = (name: string) => join(dir, name);
  const dataEnv = (name: string): Record<string, string> => ({ ...DEV, ARCHON72_DATA_DIR: path(name) });
  const migrate = (env: Record<string, string>) => expectOk(runCli(['migrate'], env));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'archon72-conclave-'));
    writeFileSync(path('motion.json'), JSON.stringify(MOTION));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('a simulated session of 72 archons, 3 rounds', () => {
    const env = () => dataEnv('data-a');
    let run: CliResult;
    let sessionId: string;
    let live: string;

    beforeAll(() => {
      migrate(env());
      run = runCli(['conclave', 'run', '--motion-file', path('motion.json'), '--rounds', '3', '--seed', SEED, '--transcript-out', path('live-a.md')], env());
      sessionId = SUMMARY.exec(run.stdout)?.[1] ?? '';
      live = readFileSync(path('live-a.md'), 'utf8');
    }, SESSION_TIMEOUT);

    it('exits 0 and prints one summary line with the session id and the tally', () => {
      expectOk(run);
      expect(run.stdout).toMatch(SUMMARY);
      expect(live.startsWith(`# Conclave session ${sessionId}\n`)).toBe(true);
    });

    it('rebuilds, with conclave transcript, exactly the transcript written live', () => {
      const rebuilt = runCli(['conclave', 'transcript', sessionId], env());
      expectOk(rebuilt);
      expect(rebuilt.stdout).toBe(live);
      expect(speechNumbers(live)).toEqual(oneTo(3 * 72));
      expect(live).toMatch(/\*Session adjourned \(completed\)\.\*/);
    });

    it('reports results whose tally matches the vote events in the log and the summary line', () => {
      const r = results(env(), sessionId);
      expect(r).toMatchObject({ session_id: sessionId, provider: 'simulated', status: 'adjourned', adjournment: 'completed', speeches: 3 * 72 });
      expect(r.present).toHaveLength(72);
      const votes = sessionEvents(env(), sessionId).filter((e) => e.event_type === 'conclave.vote_cast');
      const count = (choice: string | null) => votes.filter((e) => e.payload.choice === choice).length;
      expect(votes).toHaveLength(72);
      const tally = r.tally as NonNullable<Results['tally']>;
      expect(tally).toMatchObject({ aye: count('AYE'), nay: count('NAY'), abstain: count('ABSTAIN'), unparseable: count(null), not_voting: 0 });
      expect(r.votes.map((v) => v.cast)).toEqual(votes.map((e) => e.payload.choice));
      const [, , , outcome, aye, nay, abstain, unparseable] = SUMMARY.exec(run.stdout) as RegExpExecArray;
      expect([aye, nay, abstain, unparseable].map(Number)).toEqual([tally.aye, tally.nay, tally.abstain, tally.unparseable]);
      expect(outcome).toBe(tally.passed ? 'PASSED' : 'FAILED');
      expect(r.result).toBe(tally.passed ? 'passed' : 'failed');
    });

    it('gives the same transcript from the same seed in a fresh data directory', () => {
      const other = dataEnv('data-b');
      migrate(other);
      const second = runCli(['conclave', 'run', '--motion-file', path('motion.json'), '--seed', SEED, '--transcript-out', path('live-b.md')], other);
      expectOk(second);
      const secondId = SUMMARY.exec(second.stdout)?.[1] as string;
      expect(secondId).not.toBe(sessionId);
      expect(normalise(readFileSync(path('live-b.md'), 'utf8'), secondId)).toBe(normalise(live, sessionId));
    }, SESSION_TIMEOUT);

    it('leaves a log that archon72 verify accepts through the observer API of serve on the same data directory', async () => {
      const server = await startServe(env(), Number(randomPort()));
      try {
        const verify = runCli(['verify', '--url', server.url, '--allow-development-keys'], {});
        expect(verify.status, verify.stdout + verify.stderr).toBe(0);
        const verified = /^OK: (\d+) events verified \(sequence 1\.\.\d+\); hashes, chain, both signatures and witness selection checked/.exec(verify.stdout);
        expect(Number(verified?.[1])).toBeGreaterThanOrEqual(Number(SUMMARY.exec(run.stdout)?.[2]));
      } finally {
        await server.stop();
      }
    });

    it('refuses to resume the adjourned session: DELIBERATION_SESSION_FINISHED, exit 1', () => {
      const resumed = runCli(['conclave', 'resume', sessionId], env());
      expect(resumed.status).toBe(1);
      expect(resumed.stderr).toMatch(/^archon72: DELIBERATION_SESSION_FINISHED: .*\n$/);
    });

    describe('killed with SIGKILL mid-debate, then resumed', () => {
      it('completes the session with every speech once, in order, and the uninterrupted run’s transcript', async () => {
        const killedEnv = dataEnv('data-c');
        migrate(killedEnv);
        const killedLive = path('live-c.md');
        const proc = startProcess(process.execPath, [CLI, 'conclave', 'run', '--motion-file', path('motion.json'), '--seed', SEED, '--transcript-out', killedLive], killedEnv);
        try {
          // Speech 60 of 216 is in the log once the live transcript shows it (it is written after each batch commits).
          await waitForFileText(killedLive, /^### 60\. /m, proc.exited, SESSION_TIMEOUT);
        } catch (err) {
          proc.child.kill('SIGKILL');
          throw err;
        }
        process.kill(proc.child.pid as number, 'SIGKILL');
        expect((await proc.exited).signal).toBe('SIGKILL');
        const killedId = /^# Conclave session (\S+)\n/.exec(readFileSync(killedLive, 'utf8'))?.[1] as string;

        // The kill landed mid-debate: the log holds a prefix of the debate and no adjournment.
        const partial = runCli(['conclave', 'transcript', killedId], killedEnv);
        expectOk(partial);
        const spoken = speechNumbers(partial.stdout);
        expect(spoken.length).toBeGreaterThanOrEqual(60);
        expect(spoken.length).toBeLessThan(3 * 72);
        expect(spoken).toEqual(oneTo(spoken.length));
        expect(partial.stdout).not.toMatch(/Session adjourned/);

        const resumed = runCli(['conclave', 'resume', killedId, '--transcript-out', path('resumed-c.md')], killedEnv);
        expectOk(resumed);
        expect(SUMMARY.exec(resumed.stdout)?.[1]).toBe(killedId);

        const rebuilt = runCli(['conclave', 'transcript', killedId], killedEnv);
        expectOk(rebuilt);
        expect(speechNumbers(rebuilt.stdout)).toEqual(oneTo(3 * results(killedEnv, killedId).present.length));
        // The resume's live transcript starts from what the log already held, so it is the whole transcript too.
        expect(readFileSync(path('resumed-c.md'), 'utf8')).toBe(rebuilt.stdout);
        expect(normalise(rebuilt.stdout, killedId)).toBe(normalise(live, sessionId));
      }, 2 * SESSION_TIMEOUT);
    });
  });

  describe('bad input', () => {
    const env = () => dataEnv('data-d');
    beforeAll(() => migrate(env()));

    it.each([
      ['not JSON', 'not json\n', /^archon72: INPUT_INVALID_JSON: motion file \S+bad-not-json\.json is not valid JSON/],
      ['without a title', JSON.stringify({ ...MOTION, title: undefined }), /^archon72: DELIBERATION_MOTION_INVALID: motion title /],
      ['proposed by an archon who is not a King', JSON.stringify({ ...MOTION, proposer: 'ARCHON:aim' }), /^archon72: DELIBERATION_MOTION_INVALID: motion proposer ARCHON:aim is not a King/],
      ['of an unknown kind', JSON.stringify({ ...MOTION, kind: 'decree' }), /^archon72: DELIBERATION_MOTION_INVALID: motion kind /],
    ])('refuses a motion file %s: exit 2, one line naming the field', (what, content, message) => {
      const file = path(`bad-${what.replace(/\W+/g, '-').toLowerCase()}.json`);
      writeFileSync(file, content);
      const result = runCli(['conclave', 'run', '--motion-file', file], env());
      expect(result.status, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.endsWith('\n') && result.stderr.split('\n').length === 2, `not one line: ${JSON.stringify(result.stderr)}`).toBe(true);
      expect(result.stdout).toBe('');
    });

    it('refuses an unknown --provider: exit 2', () => {
      const result = runCli(['conclave', 'run', '--motion-file', path('motion.json'), '--provider', 'oracle'], env());
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/--provider/);
    });

    it.each([
      ['a supermajority below its floor', ['--supermajority', '1/2'], /^archon72: DELIBERATION_MOTION_INVALID: session rule supermajority may not be below its floor of 2\/3\n$/],
      ['a quorum below its floor', ['--quorum', '1/3'], /^archon72: DELIBERATION_MOTION_INVALID: session rule quorum may not be below its floor of 1\/2/],
      ['a fraction that is not n/d', ['--supermajority', 'two thirds'], /--supermajority must be a fraction n\/d/],
    ])('refuses %s: exit 2, nothing written', (_what, args, message) => {
      const result = runCli(['conclave', 'run', '--motion-file', path('motion.json'), ...args], env());
      expect(result.status, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
    });

    it('wrote nothing to the log', () => {
      const tail = runCli(['events', 'tail', '-n', '10000'], env());
      expectOk(tail);
      expect(tail.stdout).toBe('');
    });

    it('refuses to resume a session the log does not hold: DELIBERATION_SESSION_NOT_FOUND, exit 1', () => {
      const result = runCli(['conclave', 'resume', '5f0c7a3e-2b1d-4c8e-9a6f-1e2d3c4b5a69'], env());
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^archon72: DELIBERATION_SESSION_NOT_FOUND: .*\n$/);
    });
  });

  describe('openai provider against a local chat-completions server', () => {
    /** Archons by display name: what the fake provider does to each (everyone else answers well). */
    const GARBAGE = 'Aim'; // a 200 whose body is not JSON, to every request: absent at the roll call
    const BAD_SHAPE = 'Alloces'; // present, then JSON without choices[0].message.content for speeches and votes
    const RATE_LIMITED = ['Astaroth', 'Barbatos']; // 429 to the first request of each act, then answers
    const UNPARSEABLE = 'Bathin'; // votes in words the vote parser cannot read
    const UNPARSEABLE_TEXT = 'I would rather sleep on it.\nAsk me again next quarter.';
    let server: ChatCompletionsServer;
    let run: CliResult;
    let sessionId: string;
    const env = () => dataEnv('data-e');

    const answer = (request: ChatRequest): ChatAnswer => {
      const name = /^You are ([A-Za-z-]+), a /.exec(request.system)?.[1] ?? '';
      const act = actOf(request.prompt);
      if (name === GARBAGE) return { status: 200, body: '<html>upstream hiccup</html>' };
      if (name === BAD_SHAPE && (act === 'speech' || act === 'vote')) return { status: 200, body: JSON.stringify({ choices: [] }) };
      if (RATE_LIMITED.includes(name) && !server.requests.some((r) => r.system === request.system && r.prompt === request.prompt)) {
        return { status: 429, body: '{"error":{"message":"slow down"}}', headers: { 'retry-after-ms': '5' } };
      }
      if (name === UNPARSEABLE && act === 'vote') return { text: UNPARSEABLE_TEXT };
      const side = /You must argue against/.test(request.prompt) ? 'AGAINST' : 'FOR';
      const replies: Record<string, string> = {
        roll_call: 'Present.',
        second: 'SECOND\nThe motion deserves debate.',
        speech: `The rotation spreads trust across the pool.\nSTANCE: ${side}`,
        red_team: `I argue the side I was given as strongly as I can.\nSTANCE: ${side}`,
        digest: 'Most speakers favour the rotation; a few want evidence first.',
        vote: '{"choice":"AYE"}\nIt spreads trust.',
        validate: '{"choice":"AYE"}',
      };
      return { text: replies[act] ?? 'Noted.' };
    };

    beforeAll(async () => {
      server = await startChatCompletionsServer(answer);
      migrate(env());
      run = await runCliAsync(
        ['conclave', 'run', '--motion-file', path('motion.json'), '--provider', 'openai', '--rounds', '1', '--timeout-ms', '10000', '--retries', '2'],
        { ...env(), OPENAI_BASE_URL: server.baseUrl, OPENAI_MODEL: 'fake-chat-model' },
      );
      sessionId = SUMMARY.exec(run.stdout)?.[1] ?? '';
    }, SESSION_TIMEOUT);
    afterAll(() => server?.close());

    it('completes the session despite the failing archons', () => {
      expectOk(run);
      expect(run.stdout).toMatch(SUMMARY);
      expect(results(env(), sessionId)).toMatchObject({ provider: 'openai', status: 'adjourned', adjournment: 'completed' });
      expect(server.requests.every((r) => r.model === 'fake-chat-model')).toBe(true);
    });

    it('records failures as events signed by the clerk, without aborting: roll_call_absent and act_failed', () => {
      const events = sessionEvents(env(), sessionId);
      const absent = events.filter((e) => e.event_type === 'conclave.roll_call_absent');
      expect(absent.map((e) => [e.agent_id, e.payload.archon_id, e.payload.code])).toEqual([['SYSTEM:CONCLAVE', 'ARCHON:aim', 'LLM_BAD_RESPONSE']]);
      const failed = events.filter((e) => e.event_type === 'conclave.act_failed');
      expect(failed.map((e) => [e.agent_id, e.payload.archon_id, e.payload.act, e.payload.code])).toEqual([
        ['SYSTEM:CONCLAVE', 'ARCHON:alloces', 'speech', 'LLM_BAD_RESPONSE'],
        ['SYSTEM:CONCLAVE', 'ARCHON:alloces', 'vote', 'LLM_BAD_RESPONSE'],
      ]);
      const r = results(env(), sessionId);
      expect(r.absent).toEqual(['ARCHON:aim']);
      expect(r.present).toHaveLength(71);
      expect(r.failures).toEqual([
        { archon_id: 'ARCHON:alloces', act: 'speech', code: 'LLM_BAD_RESPONSE' },
        { archon_id: 'ARCHON:alloces', act: 'vote', code: 'LLM_BAD_RESPONSE' },
      ]);
      expect(r.speeches).toBe(70);
      expect(r.tally).toMatchObject({ aye: 69, nay: 0, abstain: 0, unparseable: 1, not_voting: 1, passed: true });
    });

    it('retries a 429 and records the answer that followed', () => {
      const events = sessionEvents(env(), sessionId);
      for (const name of RATE_LIMITED) {
        const mine = server.requests.filter((r) => r.system.startsWith(`You are ${name}, `));
        expect(mine.filter((r) => r.status === 429).length, name).toBeGreaterThanOrEqual(3); // roll call, speech, vote
        expect(mine.filter((r) => r.status === 200).length, name).toBeGreaterThanOrEqual(3);
        const id = `ARCHON:${name.toLowerCase()}`;
        expect(events.filter((e) => e.agent_id === id).map((e) => e.event_type)).toEqual(expect.arrayContaining(['conclave.roll_call_answered', 'conclave.speech', 'conclave.vote_cast']));
        expect(events.some((e) => e.event_type === 'conclave.act_failed' && e.payload.archon_id === id)).toBe(false);
      }
    });

    it('records an unparseable vote as such, with its raw text', () => {
      const vote = sessionEvents(env(), sessionId).find((e) => e.event_type === 'conclave.vote_cast' && e.agent_id === 'ARCHON:bathin');
      expect(vote?.payload).toMatchObject({ choice: null, raw: UNPARSEABLE_TEXT });
      const transcript = runCli(['conclave', 'transcript', sessionId], env());
      expectOk(transcript);
      expect(transcript.stdout).toContain('- Bathin: **unparseable** (“I would rather sleep on it.”)\n');
    });
  });
});

/** Which act a Conclave prompt asks for, from its last line (the answer format of src/app/conclave/prompts.ts). */
function actOf(prompt: string): string {
  const last = prompt.split('\n').at(-1) ?? '';
  if (last.startsWith('Answer the roll call')) return 'roll_call';
  if (last.startsWith('Answer with a first line that is exactly SECOND')) return 'second';
  if (last.startsWith('Speak in 2 to 5 sentences')) return 'speech';
  if (last.startsWith('Argue the side you are given')) return 'red_team';
  if (last.startsWith('Summarise the debate')) return 'digest';
  if (last.startsWith('Cast your vote')) return 'vote';
  if (last.startsWith('Read the vote below')) return 'validate';
  return 'unknown';
}
