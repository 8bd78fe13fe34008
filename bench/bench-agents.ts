import { randomUUID } from 'node:crypto';
import { createSoftwareKeyCustody } from '../src/adapters/hsm/software-key-custody.js';
import { systemClock } from '../src/adapters/system-clock.js';
import { ensureAgentKey } from '../src/app/provision-keys.js';
import { signSubmission } from '../src/app/sign-submission.js';
import type { KeyCache } from '../src/app/key-cache.js';
import type { KeyCustody, KeyRegistry } from '../src/app/ports.js';
import type { EventSubmission, SignedBody } from '../src/domain/chain/event.types.js';

/** One signing agent: its id and the registered key it signs with. */
export interface BenchAgent {
  agentId: string;
  keyId: string;
}

/**
 * The agents' side of the benchmark. Agents hold their own private keys (a software custody in a directory the
 * server never reads) and sign their submissions themselves; the server only sees public keys in the registry.
 */
export interface AgentSigners {
  agents: BenchAgent[];
  /** Body of the `n`-th event of a run, signed by agent n mod agents.length, local_timestamp = now. */
  sign(n: number, run: string): Promise<EventSubmission>;
}

/** Creates `count` agents with keys in `agentDir`, registered in the server's key registry. */
export async function provisionAgents(agentDir: string, count: number, deps: { registry: KeyRegistry; keys: KeyCache }): Promise<AgentSigners> {
  const custody = createSoftwareKeyCustody(agentDir);
  const agents: BenchAgent[] = [];
  for (let i = 0; i < count; i++) {
    const agentId = `agent-${randomUUID()}`;
    const key = await ensureAgentKey(agentId, { ...deps, custody }, systemClock.now());
    agents.push({ agentId, keyId: key.keyId });
  }
  return openAgentSigners(agentDir, agents, custody);
}

/** Signers for agents provisioned earlier (a worker process reopens the same key directory). */
export function openAgentSigners(agentDir: string, agents: BenchAgent[], custody: KeyCustody = createSoftwareKeyCustody(agentDir)): AgentSigners {
  return {
    agents,
    sign(n, run) {
      const agent = agents[n % agents.length] as BenchAgent;
      return signSubmission(benchBody(agent, n, run), custody);
    },
  };
}

/** A representative deliberation-sized event: about 300 canonical payload bytes. */
function benchBody(agent: BenchAgent, n: number, run: string): SignedBody {
  return {
    eventId: randomUUID(),
    eventType: 'bench.motion_recorded',
    payload: {
      run,
      n,
      motion: { id: `M-${n % 997}`, title: 'Adopt the quarterly witness rotation schedule', seconded: true },
      votes: { aye: 41, nay: 19, abstain: 12 },
      note: 'Recorded by the append benchmark; the text is filler of realistic length.',
    },
    agentId: agent.agentId,
    signingKeyId: agent.keyId,
    localTimestamp: systemClock.now(),
  };
}

/** Signs events offset..offset+count-1 of `run` before a timed section. */
export async function presign(signers: AgentSigners, count: number, run: string, offset = 0): Promise<EventSubmission[]> {
  const out: EventSubmission[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = await signers.sign(offset + i, run);
  return out;
}
