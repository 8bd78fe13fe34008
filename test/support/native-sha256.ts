// Tests hash as the CLI and server do (src/cli/main.ts installs Node's native SHA-256 first). The portable
// implementation the browser uses is held to the same function by test/domain/encoding/sha256.test.ts.
import { useNodeSha256 } from '../../src/adapters/crypto/node-sha256.js';

useNodeSha256();
