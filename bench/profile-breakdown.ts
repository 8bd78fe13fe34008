import type { AgentSigners } from './bench-agents.js';

export interface Breakdown {
  backend: 'postgresql' | 'pglite';
  text: string;
}

export async function profileBreakdown(_: { backend: 'postgresql' | 'pglite'; databaseUrl: string | undefined; dataDir: string; signers: AgentSigners; events: number; concurrency: number }): Promise<Breakdown> {
  return { backend: 'postgresql', text: 'todo' };
}
