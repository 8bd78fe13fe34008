import { openPkcs11KeyCustody } from '../../../src/adapters/hsm/pkcs11-key-custody.js';
import { keyCustodyContract } from '../../contracts/key-custody.contract.js';
import { createSoftHsmToken, shouldRunSoftHsm } from '../../support/softhsm.js';

const run = shouldRunSoftHsm('PKCS#11 key custody contract');

// PKCS#11 on a fresh SoftHSM2 token per case; a restart is a new custody (new C_Initialize, login) on the token.
keyCustodyContract('PKCS#11 on SoftHSM2', async () => {
  if (!run) return undefined;
  const token = createSoftHsmToken();
  return {
    open: () => openPkcs11KeyCustody({ libraryPath: token.libraryPath, tokenLabel: token.tokenLabel, pin: token.pin, sessions: 4 }),
    remove: token.remove,
    mode: 'PRODUCTION',
    keyIdPattern: /^hsm-[0-9a-f]{32}$/,
    unknownKeyId: 'hsm-00112233445566778899aabbccddeeff',
  };
});
