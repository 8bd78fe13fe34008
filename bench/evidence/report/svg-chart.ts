/** One line of the chart: a name and its points (x = writers, y = appends/s). */
export interface ChartSeries {
  name: string;
  points: Array<{ x: number; y: number }>;
}

const WIDTH = 880;
const HEIGHT = 440;
const MARGIN = { left: 78, right: 290, top: 44, bottom: 58 };
/** Colour-blind-safe palette (Okabe–Ito), one per series, with a dash pattern each so print in grey still reads. */
const STYLES = [
  { color: '#0072B2', dash: '' },
  { color: '#D55E00', dash: '8 4' },
  { color: '#009E73', dash: '2 3' },
  { color: '#CC79A7', dash: '10 3 2 3' },
  { color: '#555555', dash: '4 4' },
  { color: '#E69F00', dash: '1 2' },
];

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A round step for `max` split into about five ticks (1, 2 or 5 times a power of ten). */
function niceStep(max: number): number {
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
}

/** The y axis: where a value goes (0 = bottom, 1 = top) and the ticks to label. */
interface YScale {
  at(y: number): number;
  ticks: number[];
}

/** Linear from 0 to a round maximum. */
function linearScale(yMax: number): YScale {
  const step = niceStep(yMax);
  const top = Math.ceil(yMax / step) * step;
  const ticks: number[] = [];
  for (let y = 0; y <= top + 1e-9; y += step) ticks.push(y);
  return { at: (y) => y / top, ticks };
}

/** Logarithmic between powers of ten around the data, ticks at 1, 2 and 5 times each power. */
function logScale(yMin: number, yMax: number): YScale {
  const lo = 10 ** Math.floor(Math.log10(Math.max(yMin, 1e-9)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(yMax, lo * 10)));
  const ticks: number[] = [];
  for (let p = lo; p < hi * 1.5; p *= 10) for (const m of [1, 2, 5]) if (p * m >= lo && p * m <= hi) ticks.push(p * m);
  return { at: (y) => (Math.log10(y) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)), ticks };
}

/**
 * A line chart as SVG text: x on a log-2 scale (writers 1, 4, 16, …), y linear from 0 or (logY) logarithmic; grid,
 * axis labels, a legend right of the plot, a title. Written by hand (no chart library): plain SVG 1.1 that GitHub
 * renders.
 */
export function renderLineChart(title: string, xLabel: string, yLabel: string, series: ChartSeries[], options: { logY?: boolean } = {}): string {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const ys = series.flatMap((s) => s.points.map((p) => p.y)).filter((y) => Number.isFinite(y) && y > 0);
  const scale = options.logY ? logScale(Math.min(...ys), Math.max(...ys)) : linearScale(Math.max(1, ...ys));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const lo = Math.log2(xs[0] ?? 1);
  const hi = Math.log2(xs.at(-1) ?? 2);
  const px = (x: number) => MARGIN.left + (hi === lo ? plotW / 2 : ((Math.log2(x) - lo) / (hi - lo)) * plotW);
  const py = (y: number) => MARGIN.top + plotH - scale.at(y) * plotH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<title>${escapeXml(title)}</title>`, `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`);
  out.push(`<text x="${MARGIN.left}" y="24" font-size="15" font-weight="bold">${escapeXml(title)}</text>`);
  for (const y of scale.ticks) {
    out.push(`<line x1="${MARGIN.left}" y1="${py(y).toFixed(1)}" x2="${MARGIN.left + plotW}" y2="${py(y).toFixed(1)}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${MARGIN.left - 8}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end">${Math.round(y).toLocaleString('en-US')}</text>`);
  }
  for (const x of xs) {
    out.push(`<line x1="${px(x).toFixed(1)}" y1="${MARGIN.top}" x2="${px(x).toFixed(1)}" y2="${MARGIN.top + plotH}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${px(x).toFixed(1)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${x}</text>`);
  }
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888888"/>`);
  out.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 14}" text-anchor="middle">${escapeXml(xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`);
  series.forEach((s, i) => {
    const style = STYLES[i % STYLES.length]!;
    const points = s.points.filter((p) => Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
    const path = points.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${path}" fill="none" stroke="${style.color}" stroke-width="2.2"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''}/>`);
    for (const p of points) out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3.5" fill="${style.color}"><title>${escapeXml(`${s.name}: ${p.x} writers, ${Math.round(p.y)} appends/s`)}</title></circle>`);
    const ly = MARGIN.top + 10 + i * 22;
    const lx = MARGIN.left + plotW + 16;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 26}" y2="${ly}" stroke="${style.color}" stroke-width="2.2"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''}/>`);
    out.push(`<text x="${lx + 32}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
