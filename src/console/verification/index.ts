export { verifyEventInBrowser } from './verify-event-in-browser.js';
export type { EventVerificationInput, VerificationOutcome, VerificationStep, VerificationStepId } from './verify-event-in-browser.js';
export { webCryptoEd25519 } from './webcrypto-ed25519.js';
export type { AsyncEd25519Verify, Ed25519SubtleCrypto } from './webcrypto-ed25519.js';
export { runWithAsyncEd25519 } from './async-ed25519-bridge.js';
