/** What one fault scenario did and saw, for RESULTS.md (its invariants are in the InvariantLog). */
export interface ScenarioReport {
  /** Short name, also the invariants' area ("faults: kill -9"). */
  area: string;
  /** What was done, in one or two sentences. */
  setup: string;
  /** What was observed, one line each (timings, answers, counts). */
  observed: string[];
}
