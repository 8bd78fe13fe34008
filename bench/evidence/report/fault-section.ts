import { markdownTable } from './markdown-table.js';
import type { FaultReport } from '../faults/fault-area.js';
import type { InvariantOutcome } from '../invariants.js';

/** The faults section of RESULTS.md: per scenario, what was done, what was seen, and its invariants. */
export function faultSection(report: FaultReport, invariants: InvariantOutcome[]): string {
  const parts = report.scenarios.map((s) => {
    const checks = invariants.filter((i) => i.area === s.area);
    return `### ${s.area.replace(/^faults: /, '')}

${s.setup}

${s.observed.map((line) => `- ${line}`).join('\n')}

${markdownTable(['invariant', 'held', 'observed'], checks.map((c) => [c.name, c.passed ? 'yes' : '**NO**', c.observed]))}
`;
  });
  const crashed = invariants.filter((i) => i.area.startsWith('faults') && !report.scenarios.some((s) => s.area === i.area));
  const crashedText = crashed.length === 0 ? '' : `\nScenarios that could not run to the end:\n\n${crashed.map((c) => `- **${c.area}**: ${c.observed}`).join('\n')}\n`;
  return `## Faults

Each scenario runs the built \`archon72 serve\` processes (development keys, \`LOG_LEVEL=warn\`) on a fresh database,
with a private \`redis-server\` (no persistence) as the halt channel, and writers posting agent-signed events. A
write is *acknowledged* (201: must be stored at the sequence it names), *refused* (an error answer other than 503
STORE_UNAVAILABLE: must never be stored) or *unknown* (no answer with the request in flight, or STORE_UNAVAILABLE:
stored or not, either is allowed, and is counted); a connection refused (nothing listening) reached no server. Every
scenario ends with \`archon72 verify-db\` over the whole log.

${parts.join('\n')}${crashedText}`;
}
