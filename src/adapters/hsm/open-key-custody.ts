import { readFileSync } from 'node:fs';
import { createSoftwareKeyCustody } from './software-key-custody.js';
import { HSMNotConfiguredError } from '../../domain/errors.js';
import type { Config } from '../../app/config.js';
import type { KeyCustody } from '../../app/ports.js';

const REMEDY = 'configure the HSM (HSM_PKCS11_LIBRARY, HSM_TOKEN_LABEL, HSM_PIN or HSM_PIN_FILE; runbook §3.3), or on a development machine set DEV_MODE=true and ENVIRONMENT=development';

/**
 * The key custody configuration selects: the development HSM under the data directory when DEV_MODE=true, else
 * the PKCS#11 HSM, opened and logged in now so a bad library, token or PIN stops startup before the server
 * listens. Throws HSMNotConfiguredError (runbook §11.1) naming what is missing or wrong.
 */
export async function openKeyCustody(config: Config): Promise<KeyCustody> {
  if (config.devMode) return createSoftwareKeyCustody(config.dataDir);
  const { libraryPath, tokenLabel, pinFile, sessions } = config.hsm;
  const missing = [
    libraryPath === undefined ? 'HSM_PKCS11_LIBRARY' : undefined,
    tokenLabel === undefined ? 'HSM_TOKEN_LABEL' : undefined,
    config.hsm.pin === undefined && pinFile === undefined ? 'HSM_PIN (or HSM_PIN_FILE)' : undefined,
  ].filter((name): name is string => name !== undefined);
  if (libraryPath === undefined || tokenLabel === undefined || missing.length > 0) {
    throw new HSMNotConfiguredError({
      code: 'CUSTODY_HSM_NOT_CONFIGURED',
      message: `DEV_MODE=false signs with a PKCS#11 HSM, but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set; ${REMEDY}`,
      details: { missing },
    });
  }
  const pin = config.hsm.pin ?? readPinFile(pinFile as string);
  // Loaded only here, so development never loads the native PKCS#11 addon.
  const { openPkcs11KeyCustody } = await import('./pkcs11-key-custody.js');
  return openPkcs11KeyCustody({ libraryPath, tokenLabel, pin, sessions });
}

function readPinFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new HSMNotConfiguredError({ code: 'CUSTODY_HSM_NOT_CONFIGURED', message: `HSM_PIN_FILE ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); ${REMEDY}`, details: { variable: 'HSM_PIN_FILE' } });
  }
  // A secret mounted from a file usually ends in a newline that is not part of the PIN.
  const pin = text.replace(/\r?\n$/, '');
  if (pin === '') throw new HSMNotConfiguredError({ code: 'CUSTODY_HSM_NOT_CONFIGURED', message: `HSM_PIN_FILE ${path} is empty; ${REMEDY}`, details: { variable: 'HSM_PIN_FILE' } });
  return pin;
}
