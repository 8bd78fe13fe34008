/** A GitHub Markdown table; `right[i]` right-aligns column i (numbers). Pipes in cells are escaped. */
export function markdownTable(headers: string[], rows: string[][], right: boolean[] = []): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(headers), `|${headers.map((_, i) => (right[i] ? '---:' : '---')).join('|')}|`, ...rows.map(line)].join('\n');
}

/** 12345.6 → "12,346"; `decimals` fixed; "–" for NaN. */
export function num(value: number, decimals = 0): string {
  if (!Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}
