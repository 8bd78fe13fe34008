import type { EventJson } from '../domain/chain/event-json.js';
import { sessionResults } from '../domain/deliberation/results.js';
import { parseOpening } from '../domain/deliberation/session-opening.js';
import { SESSION_EVENT } from '../domain/deliberation/session-events.js';
import { tallyVotes } from '../domain/deliberation/tally.js';
import type { Choice } from '../domain/deliberation/parse-reply.js';
import type { LoggedSessionEvent } from '../domain/deliberation/transcript.js';
import { allEvents, getJson, type RosterArchon } from './api.js';
import { h, replaceChildren } from './dom.js';
import { openLiveStream, type LiveStream } from './live-stream.js';
import { tallyChart } from './tally-chart.js';

const SPEECH_TYPES: readonly string[] = [SESSION_EVENT.speech, SESSION_EVENT.redTeamSpeech];

export interface ConclaveView {
  element: HTMLElement;
  /** Shows this session, or the latest one when undefined. */
  show(sessionId: string | undefined): void;
}

/**
 * The Conclave: a session's motion, the speeches in speaking order with each archon's rank and stance, a running
 * stance count and the tally against the supermajority. Everything shown is rebuilt in this browser from the
 * session's events by the domain's own projection (sessionResults, which replays the procedure), live as they arrive.
 */
export function createConclaveView(): ConclaveView {
  const chooser = h('select', { id: 'session-select', 'aria-label': 'Session' });
  const body = h('div', { class: 'session', id: 'session' }, h('p', {}, 'Loading sessions…'));
  const element = h('section', { class: 'conclave-view', 'aria-labelledby': 'conclave-heading' }, h('div', { class: 'conclave-head' }, h('h2', { id: 'conclave-heading' }, 'Conclave'), h('label', { for: 'session-select' }, 'Session '), chooser), body);
  chooser.addEventListener('change', () => {
    window.location.hash = `#/conclave/${encodeURIComponent(chooser.value)}`;
  });

  let names = new Map<string, RosterArchon>();
  let stream: LiveStream | undefined;
  let current: string | undefined;

  const show = async (requested: string | undefined): Promise<void> => {
    if (names.size === 0) {
      try {
        names = new Map((await getJson<{ archons: RosterArchon[] }>('/v1/conclave/roster')).archons.map((a) => [a.id, a]));
      } catch {
        // without the roster, archons show by id
      }
    }
    const openings = await allEvents({ event_type: SESSION_EVENT.opened });
    const sessions = openings.map((e) => ({ id: String(e.payload.session_id), title: String((e.payload.motion as { title?: unknown })?.title ?? ''), at: e.authority_timestamp })).reverse();
    replaceChildren(chooser, ...sessions.map((s) => h('option', { value: s.id }, `${s.at.slice(0, 16).replace('T', ' ')} — ${s.title}`)));
    const sessionId = requested ?? sessions[0]?.id;
    if (sessionId === undefined) {
      replaceChildren(body, h('p', {}, 'No Conclave session has been opened in this log yet.'));
      return;
    }
    chooser.value = sessionId;
    if (sessionId === current) return;
    current = sessionId;
    stream?.close();
    replaceChildren(body, h('p', {}, 'Loading the session’s events…'));
    const events = (await allEvents({ session_id: sessionId })).map(logged);
    render(body, events, names);
    stream = openLiveStream({
      filter: { session_id: sessionId },
      after: events.at(-1)?.sequence ?? 0,
      onEvent: (event) => {
        events.push(logged(event));
        render(body, events, names);
      },
    });
  };
  return {
    element,
    show(sessionId) {
      show(sessionId).catch((err: Error) => replaceChildren(body, h('p', { class: 'status-error', role: 'alert' }, `Could not load the Conclave: ${err.message}`)));
    },
  };
}

function logged(event: EventJson): LoggedSessionEvent {
  return { sequence: event.sequence, authorityTimestamp: event.authority_timestamp, eventType: event.event_type, agentId: event.agent_id, payload: event.payload as Record<string, unknown> };
}

function render(body: HTMLElement, events: readonly LoggedSessionEvent[], names: ReadonlyMap<string, RosterArchon>): void {
  if (events.length === 0) {
    replaceChildren(body, h('p', {}, 'This session has no events.'));
    return;
  }
  let results: ReturnType<typeof sessionResults>;
  let opening: ReturnType<typeof parseOpening>;
  try {
    opening = parseOpening(events[0]!.payload);
    results = sessionResults(events);
  } catch (err) {
    replaceChildren(body, h('p', { class: 'status-error', role: 'alert' }, `These events do not replay as a session: ${(err as Error).message}`));
    return;
  }
  const rankOf = new Map(opening.seats.map((s) => [s.id, s.rank]));
  const nameOf = (id: string) => names.get(id)?.name ?? id;
  const motion = opening.motion;
  const stances = results.stances as Record<string, number>;
  const votes = results.votes as Array<{ voter: string; choice: Choice | null }>;
  const notVoting = (results.failures as Array<{ act: string }>).filter((f) => f.act === 'vote').length;
  const tally = tallyVotes(votes.map((v) => v.choice), notVoting, opening.rules.supermajority);
  const finished = results.status === 'adjourned';
  const speeches = events.filter((e) => SPEECH_TYPES.includes(e.eventType));

  replaceChildren(
    body,
    h(
      'div',
      { class: 'session-summary' },
      h(
      'article',
      { class: 'motion', 'aria-labelledby': 'motion-title' },
      h('h3', { id: 'motion-title' }, motion.title),
      h('p', { class: 'motion-meta' }, `${motion.kind} motion · ${motion.proposer !== undefined ? `proposed by ${nameOf(motion.proposer)}` : `submitted by ${motion.submittedBy}`} · ${finished ? `adjourned (${String(results.adjournment)})` : 'in progress'} · ${(results.present as string[]).length} present`),
      h('p', { class: 'motion-text' }, motion.text),
    ),
    h(
      'section',
      { class: 'stances', 'aria-labelledby': 'stance-heading' },
      h('h3', { id: 'stance-heading' }, 'Stances so far'),
      h('ul', { class: 'stance-counts', id: 'stance-counts' }, ...['FOR', 'AGAINST', 'NEUTRAL', 'missing'].map((s) => h('li', { class: `stance-${s.toLowerCase()}` }, h('strong', {}, String(stances[s] ?? 0)), ` ${s === 'missing' ? 'no stance' : s}`))),
    ),
    votes.length > 0 || results.tally !== null
      ? h('section', { class: 'vote', 'aria-labelledby': 'vote-heading' }, h('h3', { id: 'vote-heading' }, finished || results.result !== null ? `Vote: ${String(results.result ?? 'tallied').toUpperCase()}` : `Vote (${votes.length} cast)`), tallyChart(tally, results.result !== null))
      : null,
    ),
    h(
      'section',
      { class: 'speeches', 'aria-labelledby': 'speech-heading' },
      h('h3', { id: 'speech-heading' }, `Speeches (${speeches.length})`),
      h(
        'ol',
        { class: 'speech-list', id: 'speech-list' },
        ...speeches.map((e) => {
          const stance = (e.payload.stance as string | null) ?? 'missing';
          const where = e.eventType === SESSION_EVENT.redTeamSpeech ? `red team, arguing ${String(e.payload.argues)}` : `round ${String(e.payload.round)}, speech ${String(e.payload.number)}`;
          return h(
            'li',
            { class: 'speech', 'data-sequence': String(e.sequence) },
            h('p', { class: 'speaker' }, h('strong', {}, nameOf(e.agentId)), ` · ${rankOf.get(e.agentId) ?? ''} · ${where} · `, h('span', { class: `stance stance-${stance.toLowerCase()}` }, stance === 'missing' ? 'no stance' : stance), ' · ', h('a', { href: `#/events/${e.sequence}` }, `#${e.sequence}`)),
            h('p', { class: 'speech-text' }, String(e.payload.text ?? '')),
          );
        }),
      ),
    ),
  );
}
