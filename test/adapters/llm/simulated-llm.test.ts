import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createSimulatedLlm, SIMULATED_MODEL } from '../../../src/adapters/llm/simulated-llm.js';
import { VOTE_VALIDATION_MARKER } from '../../../src/app/ports.js';
import { LlmError } from '../../../src/domain/errors.js';
import type { LlmPurpose } from '../../../src/app/ports.js';
import { expectRejection } from '../../support/expect-rejection.js';
import { testArchon, testArchons, testRequest } from './test-archons.js';

/** The strict formats the Conclave procedure parses, one per purpose. */
const FORMATS: Record<LlmPurpose, RegExp> = {
  roll_call: /^Present\.$/,
  second: /^(SECOND|DECLINE)\n[^\n]+$/,
  speech: /^[^\n]+\nSTANCE: (FOR|AGAINST|NEUTRAL)$/,
  red_team: /^[^\n]+\nSTANCE: (FOR|AGAINST|NEUTRAL)$/,
  digest: /^[^\n]+$/,
  vote: /^\{"choice":"(AYE|NAY|ABSTAIN)"\}\n[^\n]+$/,
  vote_validation: /^\{"choice":"(AYE|NAY|ABSTAIN)"\}\n[^\n]+$/,
};
const PURPOSES = Object.keys(FORMATS) as LlmPurpose[];
const STANCES = ['FOR', 'AGAINST', 'NEUTRAL'] as const;

const llm = createSimulatedLlm();
const archons = testArchons();

async function textOf(...args: Parameters<typeof testRequest>): Promise<string> {
  return (await llm.complete(testRequest(...args))).text;
}

function stanceOf(text: string): string {
  return /\nSTANCE: (FOR|AGAINST|NEUTRAL)$/.exec(text)![1]!;
}

describe('createSimulatedLlm', () => {
  it('answers the same request with the same text, as simulated/v1', async () => {
    for (const purpose of PURPOSES) {
      const request = testRequest(archons[3]!, purpose, 'session-1/act-7', { priorStance: 'FOR', tally: { FOR: 3, AGAINST: 2, NEUTRAL: 1 } });
      const first = await llm.complete(request);
      const again = await createSimulatedLlm().complete(structuredClone(request));
      expect(again).toEqual(first);
      expect(first.model).toBe(SIMULATED_MODEL);
    }
  });

  it('answers differently for different seeds', async () => {
    const texts = new Set<string>();
    for (let i = 0; i < 20; i++) texts.add(await textOf(archons[0]!, 'speech', `seed-${i}`));
    expect(texts.size).toBeGreaterThan(5);
  });

  describe('per purpose', () => {
    it('roll_call is "Present."', async () => {
      expect(await textOf(archons[0]!, 'roll_call', 's')).toBe('Present.');
    });

    it('second is SECOND or DECLINE then a reason, and both happen', async () => {
      const firstLines = new Set<string>();
      for (const archon of archons) {
        const text = await textOf(archon, 'second', 'session-2/second');
        expect(text).toMatch(FORMATS.second);
        firstLines.add(text.split('\n')[0]!);
      }
      expect([...firstLines].sort()).toEqual(['DECLINE', 'SECOND']);
    });

    it('speech has 2–5 sentences naming the motion and the persona, then a STANCE line', async () => {
      for (const archon of archons) {
        const text = await textOf(archon, 'speech', 'session-3/speech');
        expect(text).toMatch(FORMATS.speech);
        const body = text.split('\n')[0]!;
        const sentences = body.match(/[.!?](?=\s|$)/g)!.length;
        expect(sentences).toBeGreaterThanOrEqual(2);
        expect(sentences).toBeLessThanOrEqual(5);
        expect(body).toContain('"Open the treasury ledger to every petitioner"');
        expect(body).toContain(archon.persona.goal.replace(/\.$/, ''));
      }
    });

    it('digest names the stance counts of hints.tally', async () => {
      const text = await textOf(archons[1]!, 'digest', 's', { tally: { FOR: 40, AGAINST: 21, NEUTRAL: 6 } });
      expect(text).toMatch(FORMATS.digest);
      expect(text).toContain('FOR 40, AGAINST 21, NEUTRAL 6');
      expect(await textOf(archons[1]!, 'digest', 's')).toMatch(/no stances/);
    });

    it('vote follows the prior stance: FOR mostly AYE, AGAINST mostly NAY', async () => {
      const counts = { FOR: 0, AGAINST: 0 };
      for (const archon of archons) {
        const aye = JSON.parse((await textOf(archon, 'vote', 'session-4/vote', { priorStance: 'FOR' })).split('\n')[0]!) as { choice: string };
        const nay = JSON.parse((await textOf(archon, 'vote', 'session-4/vote', { priorStance: 'AGAINST' })).split('\n')[0]!) as { choice: string };
        if (aye.choice === 'AYE') counts.FOR++;
        if (nay.choice === 'NAY') counts.AGAINST++;
      }
      expect(counts.FOR).toBeGreaterThanOrEqual(60);
      expect(counts.AGAINST).toBeGreaterThanOrEqual(60);
    });
  });

  describe('vote_validation', () => {
    const validate = (vote: string, prompt = `Check the vote below.\n${VOTE_VALIDATION_MARKER}\n${vote}\nEnd.`): Promise<string> => textOf(archons[2]!, 'vote_validation', 'v', {}, prompt);

    it('restates the JSON choice of the vote after the marker', async () => {
      for (const choice of ['AYE', 'NAY', 'ABSTAIN']) {
        const text = await validate(`{"choice":"${choice}"}\nbecause`);
        expect(text).toMatch(FORMATS.vote_validation);
        expect(text.split('\n')[0]).toBe(`{"choice":"${choice}"}`);
      }
    });

    it('reads a choice on the marker line itself, and a bare word', async () => {
      expect((await validate('', `${VOTE_VALIDATION_MARKER} {"choice": "NAY"}`)).split('\n')[0]).toBe('{"choice":"NAY"}');
      expect((await validate('I vote aye, gladly.')).split('\n')[0]).toBe('{"choice":"AYE"}');
    });

    it('abstains when no vote can be read or there is no marker', async () => {
      expect((await validate('I like turtles')).split('\n')[0]).toBe('{"choice":"ABSTAIN"}');
      expect((await validate('', 'no marker here: {"choice":"AYE"}')).split('\n')[0]).toBe('{"choice":"ABSTAIN"}');
    });
  });

  describe('when told which side to argue', () => {
    it('declares hints.mustArgue in speech and red_team, whatever the prior stance', async () => {
      for (const mustArgue of ['FOR', 'AGAINST'] as const) {
        for (const archon of archons) {
          for (const purpose of ['speech', 'red_team'] as const) {
            const text = await textOf(archon, purpose, `s-${archon.id}`, { mustArgue, priorStance: mustArgue === 'FOR' ? 'AGAINST' : 'FOR' });
            expect(stanceOf(text)).toBe(mustArgue);
          }
        }
      }
    });

    it('says so in a red_team speech', async () => {
      expect(await textOf(archons[0]!, 'red_team', 's', { mustArgue: 'AGAINST' })).toMatch(/^As red team I press the case AGAINST "/);
    });
  });

  it('mostly keeps its prior stance', async () => {
    let kept = 0;
    for (const archon of archons) {
      for (const priorStance of STANCES) {
        if (stanceOf(await textOf(archon, 'speech', `round-2/${archon.id}`, { priorStance })) === priorStance) kept++;
      }
    }
    expect(kept / (archons.length * STANCES.length)).toBeGreaterThan(0.75);
  });

  it('refuses an aborted call with LLM_TIMEOUT', async () => {
    const error = await expectRejection(llm.complete(testRequest(archons[0]!, 'speech', 's'), AbortSignal.abort()), LlmError, 'LLM_TIMEOUT');
    expect(error.details?.transient).toBe(true);
  });

  it('answers the 450 calls of a session in well under a second', async () => {
    const started = performance.now();
    for (let i = 0; i < 450; i++) await textOf(archons[i % 72]!, PURPOSES[i % PURPOSES.length]!, `perf-${i}`);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  describe('properties', () => {
    const hintsArb = fc.record(
      {
        motionTitle: fc.string({ maxLength: 80 }),
        motionKind: fc.constantFrom('policy', 'procedural', 'constitutional'),
        mustArgue: fc.constantFrom('FOR' as const, 'AGAINST' as const),
        priorStance: fc.constantFrom(...STANCES),
        tally: fc.record({ FOR: fc.nat(72), AGAINST: fc.nat(72), NEUTRAL: fc.nat(72) }),
      },
      { requiredKeys: ['motionTitle', 'motionKind'] },
    );

    it('gives a well-formed answer for any seed, purpose, archon, hints and prompt', async () => {
      await fc.assert(
        fc.asyncProperty(fc.string(), fc.constantFrom(...PURPOSES), fc.nat(71), hintsArb, fc.string(), async (seed, purpose, i, hints, prompt) => {
          const reply = await llm.complete({ ...testRequest(archons[i]!, purpose, seed, {}, prompt), hints });
          expect(reply.text).toMatch(FORMATS[purpose]);
          if (hints.mustArgue !== undefined && (purpose === 'speech' || purpose === 'red_team')) expect(stanceOf(reply.text)).toBe(hints.mustArgue);
        }),
        { numRuns: 500 },
      );
    });

    it('splits 72 archons with a FOR majority of about 55–75 %, not unanimous, for most seeds', async () => {
      let unanimous = 0;
      let forShare = 0;
      const runs = 40;
      await fc.assert(
        fc.asyncProperty(fc.string({ minLength: 1 }), fc.constantFrom('Open the treasury ledger to every petitioner', 'Adopt a new speaking order', 'Fund the archive restoration'), async (seed, motionTitle) => {
          const stances = await Promise.all(archons.map(async (archon) => stanceOf(await textOf(archon, 'speech', `${seed}/${archon.id}`, { motionTitle }))));
          if (new Set(stances).size === 1) unanimous++;
          forShare += stances.filter((s) => s === 'FOR').length / stances.length;
        }),
        { numRuns: runs },
      );
      expect(unanimous).toBeLessThanOrEqual(runs / 10);
      expect(forShare / runs).toBeGreaterThan(0.5);
      expect(forShare / runs).toBeLessThan(0.8);
    });

    it('lets one archon lean differently on different motions', async () => {
      const archon = testArchon(5);
      const stances = new Set<string>();
      for (let i = 0; i < 30; i++) stances.add(stanceOf(await textOf(archon, 'speech', `s${i}`, { motionTitle: `Motion number ${i}` })));
      expect(stances.size).toBeGreaterThan(1);
    });
  });
});
