import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVectors } from '../domain/load-vectors.js';
import { launchChromium, shouldRunChromium } from '../support/console-stack.js';

interface SignatureInput {
  publicKeyHex: string;
  messageHex: string;
  signatureHex: string;
}

const GLOBAL_NAME = 'archon72WebCryptoEd25519';
const PAGE_URL = 'http://localhost/ed25519-vectors';
const vectors = loadVectors<SignatureInput, boolean>('ed25519.json');

/** The module the console ships, bundled for the browser the way the console bundle includes it (no Node APIs). */
async function bundleVerifier(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../../src/console/verification/webcrypto-ed25519.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: GLOBAL_NAME,
    platform: 'browser',
    target: 'es2022',
  });
  return result.outputFiles[0]?.text ?? '';
}

/**
 * "The same strict rules as the server", proven in a real browser: Chromium's WebCrypto Ed25519 behind
 * ed25519EncodingsAcceptable gives exactly libsodium's answer on every vector of test/vectors/ed25519.json,
 * including the small-order, mixed-order and non-canonical cases where a plain RFC 8032 verifier differs.
 */
describe.runIf(shouldRunChromium('webCryptoEd25519 in headless Chromium'))('webCryptoEd25519 in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let answers: boolean[];

  beforeAll(async () => {
    const script = await bundleVerifier();
    // --no-sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
    browser = await launchChromium();
    page = await browser.newPage();
    // WebCrypto exists only in a secure context, and Playwright's about:blank is not one. http://localhost is
    // (W3C Secure Contexts §3.1), so the page is served there by request interception: no server, no network.
    await page.route(PAGE_URL, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>ed25519 vectors</title>' }));
    await page.goto(PAGE_URL);
    await page.addScriptTag({ content: script });
    answers = await page.evaluate(
      async ({ inputs, globalName }) => {
        const hex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (byte) => parseInt(byte, 16));
        const module = (globalThis as unknown as Record<string, { webCryptoEd25519: (subtle: unknown) => (s: Uint8Array, m: Uint8Array, k: Uint8Array) => Promise<boolean> } | undefined>)[globalName];
        if (module === undefined) throw new Error(`${globalName} is not defined: the bundle did not load`);
        const verify = module.webCryptoEd25519(crypto.subtle);
        return Promise.all(inputs.map((v) => verify(hex(v.signatureHex), hex(v.messageHex), hex(v.publicKeyHex))));
      },
      { inputs: vectors.map((v) => v.input), globalName: GLOBAL_NAME },
    );
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('runs in a secure context with Ed25519 in WebCrypto (otherwise every answer would be false)', async () => {
    const supported = await page.evaluate(async () => {
      const key = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
      return (globalThis as unknown as { isSecureContext: boolean }).isSecureContext && 'privateKey' in key;
    });
    expect(supported).toBe(true);
  });

  describe.each(vectors.map((v, i) => ({ ...v, i })))('$description', (v) => {
    it(`answers ${String(v.expected)}`, () => {
      expect(answers[v.i]).toBe(v.expected);
    });
  });
});
