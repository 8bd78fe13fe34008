import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSoftwareKeyCustody } from '../../../src/adapters/hsm/software-key-custody.js';
import { keyCustodyContract } from '../../contracts/key-custody.contract.js';

// The development custody over a fresh temporary data directory per case; a restart is a new custody on it.
keyCustodyContract('software (development keys in a data directory)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'archon72-custody-contract-'));
  return {
    open: async () => createSoftwareKeyCustody(dir),
    remove: () => rmSync(dir, { recursive: true, force: true }),
    mode: 'DEVELOPMENT',
    keyIdPattern: /^dev-[0-9a-f]{16}$/,
    unknownKeyId: 'dev-0123456789abcdef',
  };
});
