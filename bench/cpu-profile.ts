import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** The V8 CPU profile format (the same JSON `node --cpu-prof` writes to *.cpuprofile). */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Starts sampling this process (same profiler as `node --cpu-prof`); the returned function stops and returns the profile. */
export async function startCpuProfile(intervalUs = 200): Promise<() => Promise<CpuProfile>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    session.disconnect();
    return profile;
  };
}

/** Where a sample's self time goes, by the code it was in. Order matters: first match wins. */
const CATEGORIES: Array<[string, (fn: string, url: string) => boolean]> = [
  ['idle (waiting on I/O)', (fn) => fn === '(idle)'],
  ['garbage collection', (fn) => fn === '(garbage collector)'],
  // N-API functions carry no URL and V8 often labels them with a neighbouring libsodium symbol
  // (extension_pbkdf2_sha512_async, crypto_generichash_init): every such native here is sodium-native.
  ['Ed25519 sign/verify (sodium-native)', (fn, url) => url.includes('sodium') || /^(crypto_|extension_|sodium_|randombytes)/.test(fn)],
  ['JCS canonicalize (canonical-json.ts)', (_, url) => url.includes('canonical-json')],
  ['SHA-256 (@noble/hashes)', (_, url) => url.includes('@noble/hashes')],
  ['hex/base64 (bytes.ts, btoa/atob)', (fn, url) => url.includes('encoding/bytes') || fn === 'btoa' || fn === 'atob'],
  ['JSON.stringify / JSON.parse (builtin)', (fn, url) => url === '' && (fn === 'stringify' || fn === 'parse')],
  ['pg driver (pg, pg-protocol, pg-types)', (_, url) => /node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-)/.test(url)],
  ['PGlite (embedded Postgres, wasm + js)', (_, url) => url.includes('pglite') || url.startsWith('wasm://')],
  ['other archon72 src/', (_, url) => url.includes('/src/')],
  ['benchmark harness (bench/)', (_, url) => url.includes('/bench/')],
  ['V8 / Node internals, other natives', () => true],
];

export interface ProfileSummary {
  totalMs: number;
  categories: Array<{ name: string; ms: number; share: number }>;
  topFunctions: Array<{ name: string; ms: number; share: number }>;
}

/** Self time per category and the heaviest functions, as shares of the profiled wall time. */
export function summariseProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let totalUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    totalUs += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const category = (CATEGORIES.find(([, test]) => test(functionName, url)) as [string, unknown])[0];
    byCategory.set(category, (byCategory.get(category) ?? 0) + us);
    const where = url === '' ? '' : ` ${url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${lineNumber + 1}`;
    const key = `${functionName || '(anonymous)'}${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000, share: us / totalUs }));
  return { totalMs: totalUs / 1000, categories: rank(byCategory), topFunctions: rank(byFunction).slice(0, top) };
}
