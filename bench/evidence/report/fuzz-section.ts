import { markdownTable, num } from './markdown-table.js';
import type { FuzzReport } from '../fuzz/fuzz-area.js';

function topCodes(refused: Record<string, number>): string {
  const sorted = Object.entries(refused).sort(([, a], [, b]) => b - a);
  const shown = sorted.slice(0, 3).map(([k, n]) => `${k} ×${num(n)}`);
  return sorted.length > 3 ? `${shown.join(', ')}, ${sorted.length - 3} more` : shown.join(', ');
}

function statusText(statuses: Record<string, number>): string {
  return Object.entries(statuses).sort(([a], [b]) => a.localeCompare(b)).map(([s, n]) => `${s}×${n}`).join(' ');
}

function sumStatuses(rows: Array<{ statuses: Record<string, number> }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) for (const [s, n] of Object.entries(r.statuses)) out[s] = (out[s] ?? 0) + n;
  return out;
}

/** The bad-input section of RESULTS.md: parsers and routes, cases tried, what came back, failures. */
export function fuzzSection(report: FuzzReport): string {
  const parserCases = report.parsers.reduce((n, p) => n + p.cases, 0);
  const routeCases = report.routes.reduce((n, r) => n + r.cases, 0) + report.server.rows.reduce((n, r) => n + r.cases, 0);
  const server5xx = [...report.routes, ...report.server.rows].reduce((n, r) => n + Object.entries(r.statuses).filter(([s]) => /^5\d\d$/.test(s) && s !== '503').reduce((m, [, c]) => m + c, 0), 0);
  return `## Bad input

Property-based fuzzing with fast-check. **Parsers**: every function that reads outside input into a domain value,
given valid inputs (from \`test/vectors\`, the roster file, and a served log's keys document, export and manifest)
changed 1–4 times (members replaced, removed, added or wrapped; strings edited; lines duplicated or dropped; odd
characters such as NUL, lone surrogates, U+2028, BOM inserted), plus arbitrary JSON, text and bytes. The property: it
returns, or throws its typed error (an \`AppError\` subclass, src/domain/errors.ts), never anything else.
**Routes**: every route the app registers (src/main.ts's services on an in-memory test stack; HEAD routes and a
catch-all for unknown paths included), through \`inject()\`: odd path segments (traversal, encodings, huge), query
strings, bodies of every shape (broken JSON, prototype keys, 20,000-deep arrays, 300 kB payloads, bytes), content
types and headers; some requests carry the valid admin token so admin routes are exercised past their 401. Then raw
bytes on a real socket, and the same generated requests as bytes (Connection: close) to a real \`archon72 serve\`
process on PostgreSQL (observer rate limit raised, admin token set). The property: no answer is a 5xx other than a deliberate 503, every error is
\`{"error":{code,message,requestId}}\` with a code of docs/errors.md answered with its own status, and X-Request-ID
is always set. The process records uncaught exceptions and unhandled rejections throughout.

**${num(parserCases)} parser inputs and ${num(routeCases)} requests; ${report.parsers.filter((p) => p.failure).length + report.routes.filter((r) => r.failure).length + report.server.rows.filter((r) => r.failure).length} failures; ${server5xx} answers 500–599 other than 503; ${report.crashes.length} crashes.**
A run is reproducible from its fast-check seed (results.json has each one).

${markdownTable(
    ['parser', 'reads', 'inputs', 'accepted', 'refused (most frequent codes)', 'failure'],
    report.parsers.map((p) => [`\`${p.name}\``, p.reads, num(p.cases), num(p.accepted), topCodes(p.refused), p.failure ?? 'none']),
    [false, false, true, true, false, false],
  )}

The real server process: ${num(report.server.rows.reduce((n, r) => n + r.cases, 0))} requests to ${report.server.rows.length} routes, answers ${statusText(sumStatuses(report.server.rows))}; failures: ${report.server.rows.filter((r) => r.failure).map((r) => `\`${r.route}\`: ${r.failure}`).join('; ') || 'none'}; ${report.server.alive ? 'still up and answering health afterwards' : '**down or not answering afterwards**'}; ${report.server.errorLines.length} log lines at level error or fatal.

In process (\`inject()\`, and raw bytes on a socket), per route:

${markdownTable(
    ['route', 'requests', 'answers by status', 'failure'],
    report.routes.map((r) => [`\`${r.route}\``, num(r.cases), statusText(r.statuses), r.failure ?? 'none']),
    [false, true, false, false],
  )}
`;
}
