/**
 * A minimal SVG line chart (no dependencies), for the scaling curve in bench/REPORT.md.
 *
 * Owns: axes (log or linear x, linear y from 0), ticks, lines with point markers and values, a
 * legend; several panels side by side in one document. Must not: know what is plotted.
 */

export interface Series {
  name: string;
  color: string;
  /** [x, y] points; non-finite y values are skipped. */
  points: [number, number][];
  dashed?: boolean;
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logX?: boolean;
  /** Labels of the x ticks (default: the x values of the points). */
  xTick?: (x: number) => string;
  yFormat?: (y: number) => string;
}

const W = 460;
const H = 320;
const M = { left: 62, right: 18, top: 36, bottom: 78 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A "nice" upper bound and step for a linear axis from 0. */
function niceAxis(max: number): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.25 };
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  return { top: Math.ceil(max / step) * step, step };
}

function panel(p: Panel): string {
  const xs = [...new Set(p.series.flatMap((s) => s.points.map(([x]) => x)))].sort((a, b) => a - b);
  const ys = p.series.flatMap((s) => s.points.map(([, y]) => y)).filter(Number.isFinite);
  const tx = (x: number) => (p.logX ? Math.log10(x) : x);
  const [x0, x1] = [tx(xs[0] ?? 1), tx(xs[xs.length - 1] ?? 10)];
  const span = x1 - x0 || 1;
  const pad = span * 0.08;
  const px = (x: number) => M.left + ((tx(x) - x0 + pad) / (span + 2 * pad)) * (W - M.left - M.right);
  const { top, step } = niceAxis(Math.max(...ys, 0) * 1.08);
  const py = (y: number) => H - M.bottom - (y / top) * (H - M.top - M.bottom);
  const fmtY = p.yFormat ?? ((y: number) => String(+y.toFixed(2)));
  const out: string[] = [];
  out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(p.title)}</text>`);
  for (let y = 0; y <= top + 1e-9; y += step) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${py(y)}" y2="${py(y)}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${M.left - 6}" y="${py(y) + 4}" text-anchor="end" font-size="11">${esc(fmtY(y))}</text>`);
  }
  for (const x of xs) {
    out.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${M.top}" y2="${H - M.bottom}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${px(x)}" y="${H - M.bottom + 16}" text-anchor="middle" font-size="11">${esc(p.xTick ? p.xTick(x) : String(x))}</text>`);
  }
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#333"/>`);
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#333"/>`);
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - M.bottom + 34}" text-anchor="middle" font-size="12">${esc(p.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(p.yLabel)}</text>`);
  p.series.forEach((s, i) => {
    const pts = s.points.filter(([, y]) => Number.isFinite(y));
    if (pts.length) {
      const d = pts.map(([x, y], k) => `${k ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
      for (const [x, y] of pts) {
        out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3.5" fill="${s.color}"/>`);
        out.push(`<text x="${(px(x) + 5).toFixed(1)}" y="${(py(y) - 6).toFixed(1)}" font-size="10" fill="${s.color}">${esc(fmtY(y))}</text>`);
      }
    }
    const lx = M.left + (i % 2) * 190;
    const ly = H - 22 + Math.floor(i / 2) * 15 - (p.series.length > 2 ? 8 : 0);
    out.push(`<line x1="${lx}" x2="${lx + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
    out.push(`<text x="${lx + 24}" y="${ly}" font-size="11">${esc(s.name)}</text>`);
  });
  return out.join('\n');
}

/** Panels side by side in one SVG document. */
export function chart(panels: Panel[], caption = ''): string {
  const width = W * panels.length;
  const height = H + (caption ? 22 : 0);
  const parts = panels.map((p, i) => `<g transform="translate(${i * W} 0)">\n${panel(p)}\n</g>`);
  if (caption) parts.push(`<text x="${width / 2}" y="${H + 14}" text-anchor="middle" font-size="11" fill="#555">${esc(caption)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}
