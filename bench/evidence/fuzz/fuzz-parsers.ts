import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { AppError } from '../../../src/domain/errors.js';
import type { ParserTarget } from './parser-targets.js';

/** What fuzzing one parser saw. */
export interface ParserFuzzRow {
  name: string;
  reads: string;
  cases: number;
  accepted: number;
  /** Refusals by error class and code ("InputError INPUT_FIELD_INVALID"). */
  refused: Record<string, number>;
  /** The first input that made it throw something other than an AppError, with what it threw; undefined when none. */
  failure: string | undefined;
  seed: number;
  seconds: number;
}

/**
 * Calls `target.run` on `runs` generated inputs. The property: the parser returns, or throws an AppError subclass
 * (its typed error). Anything else (TypeError, RangeError from a stack overflow, a SyntaxError that escaped) fails it
 * and is reported with the shrunk input.
 */
export function fuzzParser(target: ParserTarget, runs: number): ParserFuzzRow {
  const refused: Record<string, number> = {};
  let accepted = 0;
  let cases = 0;
  const t0 = performance.now();
  const details = fc.check(
    fc.property(target.input, (input) => {
      cases++;
      try {
        target.run(input);
        accepted++;
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        const key = `${err.name} ${err.code}`;
        refused[key] = (refused[key] ?? 0) + 1;
      }
    }),
    { numRuns: runs },
  );
  const failure = details.failed ? `${String(details.errorInstance).slice(0, 300)} on input ${fc.stringify(details.counterexample?.[0]).slice(0, 300)}` : undefined;
  return { name: target.name, reads: target.reads, cases: details.numRuns, accepted, refused, failure, seed: details.seed, seconds: (performance.now() - t0) / 1000 };
}
