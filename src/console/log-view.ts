import type { EventJson } from '../domain/chain/event-json.js';
import { getJson } from './api.js';
import { h, replaceChildren } from './dom.js';
import { openLiveStream, type LiveStream } from './live-stream.js';
import { renderEventDetail } from './event-detail.js';

/** Events kept in the feed (newest first); older ones stay one click away by sequence. */
const FEED_SIZE = 200;
/** On opening, the feed starts this many events before the head (the stream replays them, then goes live). */
const BACKFILL = 50;

export interface LogView {
  element: HTMLElement;
  /** Shows the event of this sequence in the detail pane (undefined: none). */
  show(sequence: number | undefined): void;
}

/** The live log: filters by type and agent, the feed, and the selected event with its in-browser verification. */
export function createLogView(): LogView {
  const typeInput = h('input', { id: 'filter-type', name: 'event_type', type: 'text', placeholder: 'e.g. conclave.speech,halt.triggered', autocomplete: 'off', spellcheck: 'false' });
  const agentInput = h('input', { id: 'filter-agent', name: 'agent_id', type: 'text', placeholder: 'e.g. ARCHON:bael', autocomplete: 'off', spellcheck: 'false' });
  const connection = h('p', { class: 'feed-connection', 'aria-live': 'polite' }, 'Connecting…');
  const feed = h('ol', { class: 'feed', id: 'feed', 'aria-label': 'Events, newest first' });
  const detail = h('section', { class: 'detail', id: 'event-detail', 'aria-label': 'Selected event', tabindex: '-1' }, h('p', { class: 'hint' }, 'Choose an event to see every field and verify it in your browser.'));
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter the live feed' },
    h('label', { for: 'filter-type' }, 'Event types'),
    typeInput,
    h('label', { for: 'filter-agent' }, 'Agent'),
    agentInput,
    h('button', { type: 'submit' }, 'Apply'),
    h('button', { type: 'reset' }, 'Clear'),
  );
  const element = h(
    'section',
    { class: 'log-view', 'aria-labelledby': 'log-heading' },
    h('div', { class: 'feed-pane' }, h('h2', { id: 'log-heading' }, 'Live log'), form, connection, feed),
    detail,
  );

  let stream: LiveStream | undefined;
  let shown: number | undefined;
  const start = async (): Promise<void> => {
    stream?.close();
    feed.replaceChildren();
    const filter = { event_type: typeInput.value.trim() || undefined, agent_id: agentInput.value.trim() || undefined };
    let after = 0;
    try {
      const health = await getJson<{ chain: { head_sequence: number } }>('/v1/health/constitutional');
      after = Math.max(0, health.chain.head_sequence - BACKFILL);
    } catch {
      // replay from the start of the log: slower, but nothing is missed
    }
    stream = openLiveStream({
      filter,
      after,
      onEvent: (event) => addToFeed(feed, event, shown),
      onConnection: (connected) => replaceChildren(connection, connected ? 'Live: new events appear at the top.' : 'Connection lost; reconnecting without missing an event…'),
    });
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void start();
  });
  form.addEventListener('reset', () => window.setTimeout(() => void start(), 0));
  void start();

  return {
    element,
    show(sequence) {
      shown = sequence;
      for (const item of feed.querySelectorAll('a[aria-current]')) item.removeAttribute('aria-current');
      if (sequence !== undefined) feed.querySelector(`a[data-sequence="${sequence}"]`)?.setAttribute('aria-current', 'true');
      void renderEventDetail(detail, sequence);
    },
  };
}

function addToFeed(feed: HTMLOListElement, event: EventJson, shown: number | undefined): void {
  const link = h(
    'a',
    { href: `#/events/${event.sequence}`, 'data-sequence': String(event.sequence), 'aria-current': event.sequence === shown ? 'true' : undefined },
    h('span', { class: 'seq' }, `#${event.sequence}`),
    h('span', { class: 'type' }, event.event_type),
    h('span', { class: 'agent' }, event.agent_id),
    h('time', { datetime: event.authority_timestamp }, event.authority_timestamp.slice(11, 19)),
  );
  feed.prepend(h('li', { class: 'feed-item', 'data-event-type': event.event_type }, link));
  while (feed.children.length > FEED_SIZE) feed.lastElementChild?.remove();
}
