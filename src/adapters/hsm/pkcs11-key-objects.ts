import { randomBytes } from 'node:crypto';
import { endianness } from 'node:os';
import pkcs11js from 'pkcs11js';
import { CustodyError } from '../../domain/errors.js';
import { CKK_EC_EDWARDS, CKM_EC_EDWARDS_KEY_PAIR_GEN, ED25519_PARAMS_OID, isEd25519Params, parseEd25519Point } from './pkcs11-ed25519.js';
import { generateKeyPairOnThreadPool } from './pkcs11-async.js';
import type { Pkcs11Handle, Pkcs11Module } from './pkcs11-library.js';

/** A key pair just generated in the token. */
export interface GeneratedKeyPair {
  ckaId: Buffer;
  publicKey: Uint8Array;
  privateKey: Pkcs11Handle;
  publicKeyObject: Pkcs11Handle;
}

/**
 * Generates an Ed25519 key pair inside the token, on the thread pool (C_GenerateKeyPair with a callback).
 * The private key is a token object that is private, sensitive, never extractable and may only sign; CKA_LABEL
 * is `agentId` and CKA_ID 16 random bytes (the key id). Rejects with the pkcs11js error when the token refuses,
 * or CustodyError CUSTODY_KEY_INVALID when the public point it reports is not an Ed25519 key.
 */
export async function generateEd25519KeyPair(module: Pkcs11Module, session: Pkcs11Handle, agentId: string): Promise<GeneratedKeyPair> {
  const ckaId = randomBytes(16);
  const common = [
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_LABEL, value: agentId },
    { type: pkcs11js.CKA_ID, value: ckaId },
  ];
  const publicTemplate = [...common, { type: pkcs11js.CKA_VERIFY, value: true }, { type: pkcs11js.CKA_EC_PARAMS, value: ED25519_PARAMS_OID }];
  const privateTemplate = [
    ...common,
    { type: pkcs11js.CKA_PRIVATE, value: true },
    { type: pkcs11js.CKA_SENSITIVE, value: true },
    { type: pkcs11js.CKA_EXTRACTABLE, value: false },
    { type: pkcs11js.CKA_SIGN, value: true },
  ];
  const pair = await generateKeyPairOnThreadPool(module, session, { mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN }, publicTemplate, privateTemplate);
  const [point] = module.C_GetAttributeValue(session, pair.publicKey, [{ type: pkcs11js.CKA_EC_POINT }]);
  // Token output: a point we cannot decode is refused, never passed on as a public key.
  const publicKey = point?.value === undefined ? undefined : parseEd25519Point(point.value);
  if (publicKey === undefined) {
    throw new CustodyError({ code: 'CUSTODY_KEY_INVALID', message: `the token returned a CKA_EC_POINT of ${point?.value?.length ?? 0} bytes, neither DER 04 20 || 32 bytes nor raw 32 bytes` });
  }
  return { ckaId, publicKey, privateKey: pair.privateKey, publicKeyObject: pair.publicKey };
}

/**
 * The private key whose CKA_ID is `ckaId`, or undefined when the token holds none (or it is not visible to the
 * logged-in user). Throws CustodyError CUSTODY_KEY_INVALID when the key is not an Ed25519 key (wrong type or
 * curve; SoftHSM would even start CKM_EDDSA with a P-256 key) or several private keys share the CKA_ID.
 * Uses `session` for a find, so the caller must hold it exclusively.
 */
export function findEd25519PrivateKey(module: Pkcs11Module, session: Pkcs11Handle, ckaId: Buffer, keyId: string): Pkcs11Handle | undefined {
  module.C_FindObjectsInit(session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_ID, value: ckaId },
  ]);
  let found: Pkcs11Handle[];
  try {
    found = module.C_FindObjects(session, 2);
  } finally {
    module.C_FindObjectsFinal(session);
  }
  const [key] = found;
  if (key === undefined) return undefined;
  const invalid = (problem: string) => new CustodyError({ code: 'CUSTODY_KEY_INVALID', message: `key ${keyId}: ${problem}`, details: { keyId } });
  if (found.length > 1) throw invalid('several private keys share this CKA_ID, so the key id is ambiguous');
  const [type] = module.C_GetAttributeValue(session, key, [{ type: pkcs11js.CKA_KEY_TYPE }]);
  const keyType = type?.value === undefined ? undefined : readUlong(type.value);
  if (keyType !== CKK_EC_EDWARDS) throw invalid(`wrong curve/type: CKA_KEY_TYPE is 0x${keyType?.toString(16) ?? '?'}, not CKK_EC_EDWARDS (Ed25519)`);
  // CKK_EC_EDWARDS also covers Ed448, whose signatures are 114 bytes.
  const [params] = module.C_GetAttributeValue(session, key, [{ type: pkcs11js.CKA_EC_PARAMS }]);
  if (params?.value === undefined || !isEd25519Params(params.value)) throw invalid('wrong curve/type: an Edwards key whose CKA_EC_PARAMS is not Ed25519');
  return key;
}

/** A CK_ULONG attribute value: pkcs11js returns the native bytes (8 on 64-bit Linux, 4 on Windows). */
function readUlong(bytes: Buffer): number {
  const le = endianness() === 'LE';
  if (bytes.length === 8) return Number(le ? bytes.readBigUInt64LE(0) : bytes.readBigUInt64BE(0));
  if (bytes.length === 4) return le ? bytes.readUInt32LE(0) : bytes.readUInt32BE(0);
  return Number.NaN;
}
