/**
 * Ed25519 in PKCS#11: the PKCS#11 3.0 constants pkcs11js 2.1 does not export (it follows the 2.40 header), the
 * EC parameters naming the curve, and decoding of the public point a token returns.
 */

/** PKCS#11 3.0 §2.3.5 CKK_EC_EDWARDS: key type of Ed25519 and Ed448 keys. */
export const CKK_EC_EDWARDS = 0x40;
/** PKCS#11 3.0 §2.3.5 CKM_EC_EDWARDS_KEY_PAIR_GEN. */
export const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
/** PKCS#11 3.0 §2.3.6 CKM_EDDSA; without parameters it is pure Ed25519 (RFC 8032 §5.1), not Ed25519ph. */
export const CKM_EDDSA = 0x1057;

/**
 * CKA_EC_PARAMS for new keys: DER OBJECT IDENTIFIER 1.3.101.112 (id-Ed25519, RFC 8410 §3). PKCS#11 3.0 §2.3.3
 * names this form; SoftHSM 2.6 accepts it and the printable string below alike, and vendor HSMs are more likely
 * to know the OID, so we generate with it.
 */
export const ED25519_PARAMS_OID = Buffer.from('06032b6570', 'hex');
/**
 * DER PrintableString "edwards25519": the form SoftHSM and OpenSC used before PKCS#11 3.0 (pkcs11-tool 0.23
 * `--key-type EC:edwards25519` writes it). Accepted when reading keys an operator made by other means.
 */
export const ED25519_PARAMS_PRINTABLE = Buffer.concat([Buffer.from([0x13, 12]), Buffer.from('edwards25519', 'ascii')]);

/** True when `params` (CKA_EC_PARAMS, read from the token) names Ed25519 in either form. */
export function isEd25519Params(params: Uint8Array): boolean {
  return Buffer.compare(params, ED25519_PARAMS_OID) === 0 || Buffer.compare(params, ED25519_PARAMS_PRINTABLE) === 0;
}

/**
 * The 32-byte public key from CKA_EC_POINT, or undefined when it has another shape. PKCS#11 3.0 §2.3.3 says the
 * point is a DER OCTET STRING (04 20 || key), which SoftHSM returns; some tokens return the raw 32 bytes. The
 * value comes from the token, so anything else is refused rather than guessed at.
 */
export function parseEd25519Point(point: Uint8Array): Uint8Array | undefined {
  if (point.length === 34 && point[0] === 0x04 && point[1] === 0x20) return Uint8Array.from(point.subarray(2));
  if (point.length === 32) return Uint8Array.from(point);
  return undefined;
}
