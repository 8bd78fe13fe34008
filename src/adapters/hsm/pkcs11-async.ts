import type { Pkcs11Handle, Pkcs11Module } from './pkcs11-library.js';

type Template = Parameters<Pkcs11Module['C_GenerateKeyPair']>[2];
type Mechanism = Parameters<Pkcs11Module['C_GenerateKeyPair']>[1];

/**
 * Arguments of calls running on libuv's thread pool. pkcs11js's C_Sign worker keeps raw pointers to the input
 * and output buffers without holding references to them, so they must stay reachable until the callback runs.
 */
const inFlight = new Set<unknown>();

/**
 * C_Sign on the thread pool (pkcs11js's callback form), after C_SignInit on `session`. Resolves with the
 * signature (at most `maxLength` bytes); rejects with the pkcs11js error carrying the CKR_ name.
 */
export function signOnThreadPool(module: Pkcs11Module, session: Pkcs11Handle, input: Buffer, maxLength: number): Promise<Buffer> {
  const output = Buffer.alloc(maxLength);
  const args = [input, output];
  inFlight.add(args);
  return new Promise((resolve, reject) => {
    module.C_Sign(session, input, output, (err, signature) => {
      inFlight.delete(args);
      if (err) reject(err);
      else resolve(signature);
    });
  });
}

/** C_GenerateKeyPair on the thread pool; resolves with the two object handles. */
export function generateKeyPairOnThreadPool(
  module: Pkcs11Module,
  session: Pkcs11Handle,
  mechanism: Mechanism,
  publicTemplate: Template,
  privateTemplate: Template,
): Promise<{ publicKey: Pkcs11Handle; privateKey: Pkcs11Handle }> {
  const args = [mechanism, publicTemplate, privateTemplate];
  inFlight.add(args);
  return new Promise((resolve, reject) => {
    module.C_GenerateKeyPair(session, mechanism, publicTemplate, privateTemplate, (err, keys) => {
      inFlight.delete(args);
      if (err) reject(err);
      else resolve(keys);
    });
  });
}
