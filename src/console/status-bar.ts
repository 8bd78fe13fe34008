import type { EventJson } from '../domain/chain/event-json.js';
import { parseSignedNote } from '../domain/note/signed-note.js';
import { parseCosignature } from '../domain/note/cosignature.js';
import type { PublicKeySet } from '../domain/signing/public-key-set.js';
import { getJson, getJsonOrUndefined, type CheckpointJson, type HaltState } from './api.js';
import { h, replaceChildren } from './dom.js';
import { openLiveStream } from './live-stream.js';
import { age } from './format.js';

/** Event types that change the halt state: the bar turns at once when one arrives on the stream. */
const HALT_EVENT_TYPES = ['halt.triggered', 'halt.cleared'];
/** The halt state and latest checkpoint are also read this often (a halt recorded without an event has no event). */
const REFRESH_MS = 5_000;

interface StatusView {
  halt?: HaltState;
  head?: number;
  checkpoint?: CheckpointJson | null;
  cosigners?: string[];
  developmentLog?: boolean;
  error?: string;
}

/**
 * The status bar: operational or halted (with reason and since when), the chain head, the latest checkpoint (size,
 * age, cosignatures) and a warning when the log is signed by development keys. Halted is said in words and with an
 * icon, not only in red.
 */
export function mountStatusBar(root: HTMLElement): { close(): void } {
  const view: StatusView = {};
  const render = (): void => renderStatus(root, view);

  const refresh = async (): Promise<void> => {
    try {
      const [halt, checkpoint] = await Promise.all([getJson<HaltState>('/v1/halt'), getJsonOrUndefined<CheckpointJson>('/v1/observer/checkpoints/latest?format=json')]);
      view.halt = halt;
      view.checkpoint = checkpoint ?? null;
      view.cosigners = checkpoint === undefined ? [] : cosignerNames(checkpoint.note);
      view.error = undefined;
    } catch (err) {
      view.error = `status unavailable: ${(err as Error).message}`;
    }
    render();
  };
  // The head once (governance health does several queries), then from the stream: every event moves it.
  const readHead = async (): Promise<void> => {
    try {
      const health = await getJson<{ chain: { head_sequence: number } }>('/v1/health/constitutional');
      view.head = Math.max(view.head ?? 0, health.chain.head_sequence);
      render();
    } catch {
      // the stream's next event gives it
    }
  };
  const readKeys = async (): Promise<void> => {
    try {
      const keys = await getJson<PublicKeySet>('/v1/observer/keys');
      view.developmentLog = keys.keys.some((key) => key.actor_id === 'SYSTEM:LOG' && key.development);
      render();
    } catch {
      // the next refresh reports the API's state; the warning waits for the keys
    }
  };

  // Every event moves the head; halt events turn the bar before the next poll.
  const stream = openLiveStream({
    filter: {},
    after: undefined,
    onEvent: (event: EventJson) => {
      view.head = Math.max(view.head ?? 0, event.sequence);
      if (HALT_EVENT_TYPES.includes(event.event_type)) {
        const halted = event.event_type === 'halt.triggered';
        view.halt = { halted, reason: halted ? String(event.payload.reason ?? '') : null, halted_at: halted ? event.authority_timestamp : null, instance: view.halt?.instance ?? 'unknown' };
        void refresh();
      }
      render();
    },
  });
  void refresh();
  void readHead();
  void readKeys();
  const timer = window.setInterval(() => void refresh(), REFRESH_MS);
  render();
  return {
    close() {
      window.clearInterval(timer);
      stream.close();
    },
  };
}

/** Names on the checkpoint's cosignature lines (tlog-cosignature/v1). Counted, not verified: see the page text. */
function cosignerNames(note: string): string[] {
  try {
    return parseSignedNote(note).signatures.flatMap((line) => {
      try {
        return [parseCosignature(line).cosignerName];
      } catch {
        return []; // the log's own signature line, or a line of another type
      }
    });
  } catch {
    return [];
  }
}

function renderStatus(root: HTMLElement, view: StatusView): void {
  const halted = view.halt?.halted === true;
  root.dataset.state = view.halt === undefined ? 'unknown' : halted ? 'halted' : 'operational';
  const state = view.halt === undefined
    ? h('p', { class: 'status-state' }, 'Status: loading…')
    : halted
      ? h('p', { class: 'status-state', id: 'halt-state' }, h('span', { 'aria-hidden': 'true' }, '✖ '), h('strong', {}, 'HALTED'), view.halt.reason ? ` — ${view.halt.reason}` : '', view.halt.halted_at ? ` (since ${view.halt.halted_at})` : '')
      : h('p', { class: 'status-state', id: 'halt-state' }, h('span', { 'aria-hidden': 'true' }, '● '), h('strong', {}, 'Operational'));
  const checkpoint = view.checkpoint;
  replaceChildren(
    root,
    state,
    h(
      'dl',
      { class: 'status-facts' },
      h('div', {}, h('dt', {}, 'Chain head'), h('dd', { id: 'head-sequence' }, view.head === undefined ? '…' : `#${view.head}`)),
      h('div', {}, h('dt', {}, 'Latest checkpoint'), h('dd', { id: 'checkpoint-size' }, checkpoint === undefined ? '…' : checkpoint === null ? 'none yet' : `${checkpoint.tree_size} events, ${age(checkpoint.created_at)} ago`)),
      h(
        'div',
        {},
        h('dt', {}, 'Cosignatures'),
        h('dd', { id: 'cosignatures', title: 'Cosignature lines on the latest checkpoint. Each observer checks them against the witness keys it trusts (archon72 verify --cosigner).' }, view.cosigners === undefined ? '…' : view.cosigners.length === 0 ? 'none' : `${view.cosigners.length}: ${view.cosigners.join(', ')}`),
      ),
    ),
    view.developmentLog === true ? h('p', { class: 'status-warning', id: 'dev-warning', role: 'note' }, h('span', { 'aria-hidden': 'true' }, '⚠ '), 'Development mode: this log is signed by development keys. It is not evidence of anything.') : null,
    view.error === undefined ? null : h('p', { class: 'status-error' }, view.error),
  );
}
