import type { Tally } from '../domain/deliberation/tally.js';
import { h, svg } from './dom.js';

const WIDTH = 600;
const BAR_Y = 28;
const BAR_HEIGHT = 36;

/**
 * The vote against the supermajority: one bar of AYE + NAY (abstentions are outside the base, as the tally rule
 * says), the AYE share against a line at the threshold. The caption says everything the picture shows, in words.
 */
export function tallyChart(tally: Tally, final: boolean): HTMLElement {
  const base = tally.aye + tally.nay;
  const threshold = tally.supermajority.num / tally.supermajority.den;
  const ayeWidth = base === 0 ? 0 : (WIDTH * tally.aye) / base;
  const thresholdX = WIDTH * threshold;
  const share = base === 0 ? 'no AYE or NAY yet' : `AYE is ${((100 * tally.aye) / base).toFixed(1)}% of AYE + NAY`;
  const outcome = final ? (tally.passed ? 'the motion PASSED' : 'the motion FAILED') : tally.passed ? 'so far it would pass' : 'so far it would fail';
  const caption = `AYE ${tally.aye}, NAY ${tally.nay}, ABSTAIN ${tally.abstain}${tally.unparseable > 0 ? `, unparseable ${tally.unparseable}` : ''}${tally.notVoting > 0 ? `, not voting ${tally.notVoting}` : ''}: ${share}; ${tally.supermajority.num}/${tally.supermajority.den} (${(100 * threshold).toFixed(1)}%) is needed, ${outcome}.`;
  const chart = svg(
    'svg',
    { viewBox: `0 0 ${WIDTH} 100`, class: 'tally-chart', role: 'img', 'aria-label': caption },
    svg('rect', { x: 0, y: BAR_Y, width: WIDTH, height: BAR_HEIGHT, class: 'bar-nay' }),
    svg('rect', { x: 0, y: BAR_Y, width: ayeWidth, height: BAR_HEIGHT, class: 'bar-aye' }),
    svg('line', { x1: thresholdX, x2: thresholdX, y1: BAR_Y - 10, y2: BAR_Y + BAR_HEIGHT + 10, class: 'threshold' }),
    svg('text', { x: thresholdX, y: BAR_Y - 14, 'text-anchor': 'middle', class: 'threshold-label' }, `${tally.supermajority.num}/${tally.supermajority.den} needed`),
    svg('text', { x: 6, y: BAR_Y + BAR_HEIGHT / 2 + 5, class: 'bar-label' }, `AYE ${tally.aye}`),
    svg('text', { x: WIDTH - 6, y: BAR_Y + BAR_HEIGHT / 2 + 5, 'text-anchor': 'end', class: 'bar-label' }, `NAY ${tally.nay}`),
    svg('text', { x: 0, y: 96, class: 'abstain-label' }, `ABSTAIN ${tally.abstain} (outside the base)`),
  );
  return h('figure', { class: 'tally', id: 'tally' }, chart, h('figcaption', { id: 'tally-caption' }, caption));
}
