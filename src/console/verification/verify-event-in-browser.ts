import { EVENT_CHECKS, type EventCheck, type EventCheckContext } from '../../domain/verify-stored-event.js';
import { runWithAsyncEd25519 } from './async-ed25519-bridge.js';
import { checkCheckpointSignature } from './checkpoint-step.js';
import { describePassedEventCheck } from './event-check-details.js';
import { FetchedDocuments, type EventVerificationInput } from './fetched-documents.js';
import { checkInclusion } from './inclusion-step.js';
import { failureDetail, type StepResult, type VerificationStep, type VerificationStepId } from './verification-step.js';
import type { Ed25519Verify } from '../../domain/signing/ed25519.js';
import type { AsyncEd25519Verify } from './webcrypto-ed25519.js';

export type { EventVerificationInput } from './fetched-documents.js';
export type { VerificationOutcome, VerificationStep, VerificationStepId } from './verification-step.js';

/**
 * Development keys are accepted, as a DEV_MODE server accepts them: the console shows its own development-mode
 * warning, and each step's detail marks a development key wherever one signed.
 */
const POLICY = { allowDevelopmentKeys: true } as const;

interface PlannedStep {
  id: VerificationStepId;
  label: string;
  run: () => StepResult | Promise<StepResult>;
}

/**
 * Verifies one event in the browser with the server's own rules: the domain's EVENT_CHECKS in their order (chain
 * link, content hash, agent signature, witness selection, witness signature; docs/PROTOCOL.md §7.1), then
 * 'checkpoint-signature' (the latest checkpoint is signed by a SYSTEM:LOG key of the keys document and states what
 * its note says) and 'inclusion' (the event's leaf is in the checkpoint's tree, §15.4). Every Ed25519 signature is
 * checked by `verify` (webCryptoEd25519 in the browser), through the very domain functions the server runs.
 *
 * Returns one step per check, in that order. The first failure stops the verification: the steps after it are
 * 'skipped'. A document the input lacks or that is malformed fails the first step that needs it, with the typed
 * error's code and message in the detail. Never rejects.
 */
export async function verifyEventInBrowser(input: EventVerificationInput, verify: AsyncEd25519Verify): Promise<VerificationStep[]> {
  const documents = new FetchedDocuments(input);
  const plan: PlannedStep[] = [
    ...EVENT_CHECKS.map((check) => ({ id: check.id, label: check.label, run: () => runEventCheck(check, documents, verify) })),
    { id: 'checkpoint-signature', label: 'Checkpoint signature', run: () => checkCheckpointSignature(documents, verify) },
    { id: 'inclusion', label: 'Inclusion in the checkpointed tree', run: () => checkInclusion(documents) },
  ];
  const steps: VerificationStep[] = [];
  let failed: PlannedStep | undefined;
  for (const step of plan) {
    if (failed !== undefined) {
      steps.push({ id: step.id, label: step.label, outcome: 'skipped', detail: `not checked: "${failed.label}" failed` });
      continue;
    }
    let result: StepResult;
    try {
      result = await step.run();
    } catch (err) {
      result = { outcome: 'failed', detail: failureDetail(err) };
    }
    if (result.outcome === 'failed') failed = step;
    steps.push({ id: step.id, label: step.label, ...result });
  }
  return steps;
}

/** One domain check, its signatures answered by the asynchronous verifier (runWithAsyncEd25519). */
async function runEventCheck(check: EventCheck, documents: FetchedDocuments, verify: AsyncEd25519Verify): Promise<StepResult> {
  await runWithAsyncEd25519((syncVerify) => check.run(contextOf(documents, syncVerify)), verify);
  // Describing reads the documents and keys again, never a signature: its verify is never called.
  return { outcome: 'passed', detail: describePassedEventCheck(check.id, contextOf(documents, () => false)) };
}

/**
 * The check context over the fetched documents. Getters, so a document is read only when a check uses it: the
 * chain link never reads the keys document, and a malformed one fails the first check that does.
 */
function contextOf(documents: FetchedDocuments, verify: Ed25519Verify): EventCheckContext {
  return {
    get prev() {
      return documents.previous();
    },
    get event() {
      return documents.event();
    },
    get keyring() {
      return documents.keys().keyring;
    },
    verify,
    policy: POLICY,
  };
}
