/**
 * Screenshots of the observer console for the README (docs/images/console-*.png), taken in headless Debian
 * Chromium against a real server with a real Conclave session (simulated provider, fixed seed). Run
 * `npm run screenshots` (it builds first). The same stack the console's e2e tests use.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium, startConsoleStack } from '../test/support/console-stack.js';

const OUT = join('docs', 'images');
const MOTION = {
  title: 'Publish the witness rotation schedule each quarter',
  text: 'The Conclave resolves that the schedule of witness rotation is published in the log at the start of each quarter, so that observers can check every attestation against it.',
  kind: 'policy',
  proposer: 'ARCHON:paimon',
};

mkdirSync(OUT, { recursive: true });
const stack = await startConsoleStack();
const browser = await launchChromium();
try {
  for (let i = 1; i <= 3; i++) await stack.append('treasury.transfer_recorded', { amount: 100 * i, currency: 'EUR', memo: `grant ${i}` });
  const sessionId = await stack.openSession(MOTION, 'readme-screenshots', 2);
  await stack.waitForAdjournment(sessionId);
  const sequence = await stack.append('treasury.transfer_recorded', { amount: 250, currency: 'EUR', memo: 'audit fee' });
  await stack.waitForCheckpoint(sequence);

  const desktop = await browser.newPage({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
  await desktop.goto(`${stack.url}/#/events/${sequence}`);
  await desktop.locator('#event-heading').waitFor();
  await desktop.click('#verify-button');
  await desktop.locator('#verify-verdict[data-outcome="passed"]').waitFor();
  await desktop.screenshot({ path: join(OUT, 'console-log-verify.png'), fullPage: true });

  await desktop.goto(`${stack.url}/#/conclave/${sessionId}`);
  await desktop.locator('#tally svg').waitFor();
  await desktop.screenshot({ path: join(OUT, 'console-conclave.png') });

  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  await phone.goto(`${stack.url}/#/log`);
  await phone.locator('#feed li').first().waitFor();
  await stack.halt('integrity drill: checkpoint cosigner unreachable');
  await phone.locator('#status[data-state="halted"]').waitFor();
  await phone.screenshot({ path: join(OUT, 'console-halted-phone.png') });
  console.log(`screenshots written to ${OUT}`);
} finally {
  await browser.close();
  await stack.close();
}
