import { EVENT_JSON_MEMBERS, type EventJson } from '../domain/chain/event-json.js';
import { ApiError, getJson, getJsonOrUndefined, type CheckpointJson } from './api.js';
import { h, replaceChildren } from './dom.js';
import { verifyEventInBrowser, type VerificationStep } from './verification/verify-event-in-browser.js';
import { webCryptoEd25519 } from './verification/webcrypto-ed25519.js';

/** The fields of an event in protocol order, each shown whole (hashes and signatures are what a reader compares). */
const FIELDS = EVENT_JSON_MEMBERS.filter((member) => member !== 'payload');

/** Shows one event, every field, and the "Verify in my browser" action. */
export async function renderEventDetail(pane: HTMLElement, sequence: number | undefined): Promise<void> {
  if (sequence === undefined) {
    replaceChildren(pane, h('p', { class: 'hint' }, 'Choose an event to see every field and verify it in your browser.'));
    return;
  }
  replaceChildren(pane, h('p', {}, `Loading event #${sequence}…`));
  let event: EventJson;
  try {
    event = await getJson<EventJson>(`/v1/observer/events/sequence/${sequence}`);
  } catch (err) {
    replaceChildren(pane, h('p', { class: 'status-error', role: 'alert' }, err instanceof ApiError && err.status === 404 ? `There is no event #${sequence} yet.` : `Could not load event #${sequence}: ${(err as Error).message}`));
    return;
  }
  const steps = h('ol', { class: 'steps', id: 'verify-steps', 'aria-live': 'polite' });
  const verdict = h('p', { class: 'verdict', id: 'verify-verdict', 'aria-live': 'polite' });
  const button = h('button', { type: 'button', id: 'verify-button' }, 'Verify in my browser');
  button.addEventListener('click', () => {
    button.disabled = true;
    void runVerification(sequence, steps, verdict).finally(() => {
      button.disabled = false;
    });
  });
  replaceChildren(
    pane,
    h('h2', { id: 'event-heading' }, `Event #${event.sequence}`, h('span', { class: 'type' }, ` ${event.event_type}`)),
    h('dl', { class: 'fields' }, ...FIELDS.map((field) => h('div', {}, h('dt', {}, field), h('dd', {}, String(event[field]))))),
    h('h3', {}, 'payload'),
    h('pre', { class: 'payload', tabindex: '0' }, JSON.stringify(event.payload, null, 2)),
    h('div', { class: 'verify' }, button, h('p', { class: 'hint' }, 'Recomputes the hash, the chain link, both Ed25519 signatures (WebCrypto) and the inclusion proof in this browser, against the public keys document and the latest signed checkpoint.'), verdict, steps),
  );
  pane.focus();
}

async function runVerification(sequence: number, list: HTMLOListElement, verdict: HTMLElement): Promise<void> {
  replaceChildren(verdict, 'Fetching the event, its predecessor, the keys document, the latest checkpoint and a proof…');
  list.replaceChildren();
  try {
    const [event, previous, keys, checkpoint] = await Promise.all([
      getJson<unknown>(`/v1/observer/events/sequence/${sequence}`),
      sequence > 1 ? getJson<unknown>(`/v1/observer/events/sequence/${sequence - 1}`) : Promise.resolve(undefined),
      getJson<unknown>('/v1/observer/keys'),
      getJsonOrUndefined<CheckpointJson>('/v1/observer/checkpoints/latest?format=json'),
    ]);
    const proof = checkpoint !== undefined && sequence <= checkpoint.tree_size ? await getJson<unknown>(`/v1/observer/proofs/inclusion?sequence=${sequence}&tree_size=${checkpoint.tree_size}`) : undefined;
    const results = await verifyEventInBrowser({ event, previous, keys, checkpoint, proof }, webCryptoEd25519(crypto.subtle));
    for (const step of results) list.append(stepItem(step));
    const failed = results.filter((step) => step.outcome === 'failed');
    verdict.dataset.outcome = failed.length === 0 ? 'passed' : 'failed';
    replaceChildren(
      verdict,
      failed.length === 0
        ? `✓ Verified in this browser: every check passed${results.some((s) => s.outcome === 'skipped') ? ' (skipped checks are listed)' : ''}.`
        : `✗ Verification FAILED at: ${failed.map((s) => s.label).join(', ')}.`,
    );
  } catch (err) {
    verdict.dataset.outcome = 'error';
    replaceChildren(verdict, `Could not verify: ${(err as Error).message}`);
  }
}

function stepItem(step: VerificationStep): HTMLLIElement {
  const mark = step.outcome === 'passed' ? '✓ Passed' : step.outcome === 'failed' ? '✗ Failed' : '– Skipped';
  return h('li', { class: `step step-${step.outcome}`, 'data-step': step.id, 'data-outcome': step.outcome }, h('strong', {}, `${mark}: `), step.label, h('span', { class: 'step-detail' }, step.detail));
}
