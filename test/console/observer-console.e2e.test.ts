import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, shouldRunChromium, startConsoleStack, type ConsoleStack } from '../support/console-stack.js';
import { startTamperingProxy } from '../support/tampering-proxy.js';

const MOTION = { title: 'Publish the witness rotation schedule', text: 'The Conclave publishes each quarter which witnesses serve.', kind: 'policy', proposer: 'ARCHON:paimon' };
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** How long the page may take to show what the stream delivered (well under the status bar's 5 s poll). */
const LIVE_MS = 4_000;

/**
 * The observer console in real headless Chromium against a started server: it loads, shows events live, verifies
 * an event in the browser (and fails a doctored one served by a test double of the API), follows a Conclave
 * session, turns to halted at once, and is usable by keyboard and on a phone.
 */
describe.runIf(shouldRunChromium('observer console'))('observer console', () => {
  let stack: ConsoleStack;
  let browser: Browser;
  let sessionId: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    stack = await startConsoleStack();
    for (let i = 1; i <= 3; i++) await stack.append('console.test', { n: i });
    sessionId = await stack.openSession(MOTION, 'console-e2e');
    await stack.waitForAdjournment(sessionId);
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function open(hash = '#/log', viewport = { width: 1280, height: 900 }): Promise<Page> {
    const page = await browser.newPage({ viewport });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(`${stack.url}/${hash}`);
    return page;
  }

  it('loads with its status bar and the latest events, with no script errors and inside its Content-Security-Policy', async () => {
    const page = await open();
    await page.locator('#halt-state', { hasText: 'Operational' }).waitFor();
    const head = ((await (await fetch(`${stack.url}/v1/health/constitutional`)).json()) as { chain: { head_sequence: number } }).chain.head_sequence;
    await page.locator('#head-sequence', { hasText: `#${head}` }).waitFor();
    await page.locator('#checkpoint-size', { hasText: 'events' }).waitFor();
    await expect(page.locator('#dev-warning').textContent()).resolves.toContain('development keys');
    // The feed replays the last events: the newest at the top.
    await page.locator(`#feed a[data-sequence="${head}"]`).waitFor();
    expect(await page.locator('#feed li').count()).toBeGreaterThan(10);
    const response = await page.request.get(`${stack.url}/`);
    expect(response.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('shows an event as soon as it is appended', async () => {
    const page = await open();
    await page.locator('#feed li').first().waitFor();
    const sequence = await stack.append('console.live', { live: true });
    await page.locator(`#feed li:first-child a[data-sequence="${sequence}"]`).waitFor({ timeout: LIVE_MS });
    await expect(page.locator(`#feed a[data-sequence="${sequence}"] .type`).textContent()).resolves.toBe('console.live');
    await page.close();
  });

  it('filters the live feed by type and agent', async () => {
    const page = await open();
    await page.fill('#filter-type', 'console.filtered');
    await page.click('.filters button[type="submit"]');
    const sequence = await stack.append('console.filtered', { n: 1 });
    await stack.append('console.other', { n: 2 });
    await page.locator(`#feed a[data-sequence="${sequence}"]`).waitFor({ timeout: LIVE_MS });
    await page.waitForTimeout(500);
    expect(await page.locator('#feed li').evaluateAll((items) => items.map((li) => li.getAttribute('data-event-type')))).toEqual(['console.filtered']);
    await page.fill('#filter-type', '');
    await page.fill('#filter-agent', 'SYSTEM:EVENT_WRITER');
    await page.click('.filters button[type="submit"]');
    await page.locator(`#feed a[data-sequence="${sequence}"]`).waitFor({ timeout: LIVE_MS });
    expect(new Set(await page.locator('#feed .agent').allTextContents())).toEqual(new Set(['SYSTEM:EVENT_WRITER']));
    await page.close();
  });

  it('verifies a real event in the browser: hash, chain link, both signatures, checkpoint and inclusion', async () => {
    const sequence = await stack.append('console.verify', { verify: 'me' });
    await stack.waitForCheckpoint(sequence);
    const page = await open(`#/events/${sequence}`);
    await page.locator('#event-heading', { hasText: `Event #${sequence}` }).waitFor();
    await page.click('#verify-button');
    await page.locator('#verify-verdict[data-outcome]').waitFor();
    const steps = await page.locator('#verify-steps li').evaluateAll((items) => items.map((li) => [li.getAttribute('data-step'), li.getAttribute('data-outcome')]));
    expect(steps.length).toBeGreaterThanOrEqual(7);
    expect(steps.filter(([, outcome]) => outcome !== 'passed')).toEqual([]);
    expect(steps.map(([step]) => step)).toEqual(expect.arrayContaining(['content-hash', 'chain-link', 'agent-signature', 'witness-signature', 'checkpoint-signature', 'inclusion']));
    await expect(page.locator('#verify-verdict').getAttribute('data-outcome')).resolves.toBe('passed');
    await page.close();
  });

  it('fails the verification of an event a doctored API serves, at the step that catches it', async () => {
    const sequence = await stack.append('console.tamper', { amount: 10 });
    await stack.waitForCheckpoint(sequence);
    const proxy = await startTamperingProxy(stack.url, [
      { path: new RegExp(`^/v1/observer/events/sequence/${sequence}$`), rewrite: (event) => ({ ...event, payload: { amount: 1000 } }) },
    ]);
    try {
      const page = await browser.newPage();
      await page.goto(`${proxy.url}/#/events/${sequence}`);
      await page.locator('#event-heading').waitFor();
      await expect(page.locator('.payload').textContent()).resolves.toContain('1000');
      await page.click('#verify-button');
      await page.locator('#verify-verdict[data-outcome]').waitFor();
      await expect(page.locator('#verify-verdict').getAttribute('data-outcome')).resolves.toBe('failed');
      await expect(page.locator('#verify-steps li[data-step="content-hash"]').getAttribute('data-outcome')).resolves.toBe('failed');
      await expect(page.locator('#verify-verdict').textContent()).resolves.toContain('FAILED');
      await page.close();
    } finally {
      await proxy.close();
    }
  });

  it('shows a Conclave session: the motion, speeches with rank and stance, the stance count and the tally chart', async () => {
    const page = await open(`#/conclave/${sessionId}`);
    await page.locator('#motion-title', { hasText: MOTION.title }).waitFor();
    const results = (await (await fetch(`${stack.url}/v1/conclave/sessions/${sessionId}/results`)).json()) as { speeches: number; stances: Record<string, number>; tally: { aye: number; nay: number } };
    expect(await page.locator('#speech-list li').count()).toBeGreaterThanOrEqual(results.speeches);
    await expect(page.locator('#speech-list li').first().textContent()).resolves.toMatch(/King/);
    const counts = await page.locator('#stance-counts li').allTextContents();
    expect(counts).toContain(`${results.stances.FOR} FOR`);
    await expect(page.locator('#tally-caption').textContent()).resolves.toContain(`AYE ${results.tally.aye}, NAY ${results.tally.nay}`);
    await page.locator('#tally svg').waitFor();
    await page.close();
  });

  it('works by keyboard alone and on a phone-sized screen', async () => {
    const page = await open('#/log', { width: 390, height: 844 });
    await page.locator('#feed li').first().waitFor();
    // Tab through to the first feed entry and open it with Enter.
    const first = await page.locator('#feed a').first().getAttribute('data-sequence');
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      // Expressions as text: the tests' TypeScript has no DOM types; they run in the page.
      if ((await page.evaluate<string | null>("document.activeElement?.getAttribute('data-sequence') ?? null")) === first) break;
    }
    await page.keyboard.press('Enter');
    await page.locator('#event-heading', { hasText: `Event #${first}` }).waitFor();
    expect(await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await page.close();
  });

  it('has no serious accessibility violations (axe-core) on the log, event and Conclave views', async () => {
    // axe is injected as a script, which the page's CSP forbids: this context alone bypasses it.
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    for (const hash of ['#/log', '#/events/1', `#/conclave/${sessionId}`]) {
      await page.goto(`${stack.url}/${hash}`);
      await page.locator(hash.startsWith('#/conclave') ? '#motion-title' : hash === '#/log' ? '#feed li' : '#event-heading').first().waitFor();
      await page.addScriptTag({ content: AXE });
      const violations = await page.evaluate<string[]>(
        "axe.run().then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))",
      );
      expect(violations, hash).toEqual([]);
    }
    await context.close();
  });

  it('turns to halted at once when a halt is triggered, with the reason', async () => {
    const page = await open();
    await page.locator('#halt-state', { hasText: 'Operational' }).waitFor();
    await stack.halt('console e2e: integrity drill');
    await page.locator('#status[data-state="halted"]').waitFor({ timeout: LIVE_MS });
    await expect(page.locator('#halt-state').textContent()).resolves.toContain('HALTED — console e2e: integrity drill');
    await page.close();
  });
});
