import { afterEach, beforeEach } from 'vitest';
import { createTestStack, type TestBackend, type TestStack } from './test-stack.js';

/**
 * The set-up every contract suite shares: before each test a fresh test stack on the suite's backend, handed to
 * `onOpen` (which keeps it and may prepare more, e.g. keepers or a halt), or the test skipped when the backend is
 * absent (and not required); after each test the stack closed.
 */
export function useContractStack(backend: () => Promise<TestBackend | undefined>, onOpen: (stack: TestStack) => void | Promise<void>, hookTimeoutMs = 60_000): void {
  let open: TestStack | undefined;
  beforeEach(async (ctx) => {
    const b = await backend();
    if (b === undefined) {
      ctx.skip();
      return;
    }
    open = await createTestStack(b);
    await onOpen(open);
  }, hookTimeoutMs);
  afterEach(async () => {
    await open?.close();
    open = undefined;
  });
}
