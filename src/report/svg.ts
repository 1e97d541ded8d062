// Hand-written SVG plots for the report: a line chart with axes and legend, and an episode × candidate selection grid.

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#65a30d'];

export interface Series {
  name: string;
  color: string;
  points: ReadonlyArray<readonly [number, number]>;
  dashed?: boolean;
}

export interface LineChartOptions {
  series: readonly Series[];
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** Fixed y range (e.g. [0, 1] for probabilities); otherwise padded data range. */
  yRange?: readonly [number, number];
  /** Decimals of y tooltips (and of tick labels, up to 2). */
  digits?: number;
  /** Formats y values for ticks and tooltips instead of `digits` (e.g. small learning rates). */
  format?: (v: number) => string;
}

/** About `count` round tick values covering [lo, hi] (1, 2, 5 × 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
  return ticks;
}

const fmt = (v: number, digits: number): string => v.toFixed(digits);

export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 980;
  const height = o.height ?? 320;
  const digits = o.digits ?? 2;
  const m = { left: 56, right: 16, top: 16, bottom: 58 };
  const all = o.series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const xMin = xs.length ? Math.min(...xs) : 0;
  const xMax = xs.length ? Math.max(...xs, xMin + 1) : 1;
  let [yMin, yMax] = o.yRange ?? [ys.length ? Math.min(...ys) : 0, ys.length ? Math.max(...ys) : 1];
  if (!o.yRange) {
    const pad = Math.max((yMax - yMin) * 0.08, 0.05);
    yMin -= pad;
    yMax += pad;
  }
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const sx = (x: number): number => m.left + ((x - xMin) / (xMax - xMin)) * pw;
  const sy = (y: number): number => m.top + (1 - (y - yMin) / (yMax - yMin)) * ph;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">`);
  // Grid and y axis labels.
  for (const t of niceTicks(yMin, yMax, 5)) {
    const y = sy(t).toFixed(1);
    parts.push(`<line class="grid" x1="${m.left}" x2="${width - m.right}" y1="${y}" y2="${y}"/>`);
    parts.push(`<text class="tick" x="${m.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${o.format ? o.format(t) : fmt(t, t % 1 === 0 ? 0 : Math.min(digits, 2))}</text>`);
  }
  const xTicks = niceTicks(xMin, xMax, Math.min(10, Math.max(1, xMax - xMin))).filter((t) => Number.isInteger(t));
  for (const t of xTicks) {
    const x = sx(t).toFixed(1);
    parts.push(`<line class="axis" x1="${x}" x2="${x}" y1="${m.top + ph}" y2="${m.top + ph + 4}"/>`);
    parts.push(`<text class="tick" x="${x}" y="${m.top + ph + 16}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<line class="axis" x1="${m.left}" x2="${width - m.right}" y1="${m.top + ph}" y2="${m.top + ph}"/>`);
  parts.push(`<line class="axis" x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + ph}"/>`);
  parts.push(`<text class="label" x="${m.left + pw / 2}" y="${m.top + ph + 34}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  parts.push(`<text class="label" transform="translate(14 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`);
  for (const s of o.series) {
    const pts = s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(`<g class="series" data-series="${escapeXml(s.name)}">`);
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2.2" stroke-linejoin="round"${dash} points="${pts}"/>`);
    for (const [x, y] of s.points) {
      parts.push(
        `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3.2" fill="${s.color}"><title>${escapeXml(s.name)} · ${x}: ${o.format ? o.format(y) : fmt(y, digits)}</title></circle>`,
      );
    }
    parts.push('</g>');
  }
  // Legend along the bottom.
  let lx = m.left;
  const ly = height - 10;
  for (const s of o.series) {
    parts.push(`<rect x="${lx}" y="${ly - 9}" width="14" height="4" rx="2" fill="${s.color}"/>`);
    parts.push(`<text class="legend" x="${lx + 20}" y="${ly - 4}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
    lx += 34 + s.name.length * 7;
  }
  parts.push('</svg>');
  return parts.join('\n');
}

export interface SelectionGridOptions {
  candidates: readonly string[];
  /** One column per episode: which candidates were used and with what probability they were drawn. */
  columns: ReadonlyArray<{ episode: number; selection: readonly boolean[]; probabilities: readonly number[] }>;
  /** Episode to outline (the best one). */
  highlight?: number | undefined;
}

/** Cells shaded by the probability the controller gave each candidate; a filled dot where it was selected. */
export function selectionGrid(o: SelectionGridOptions): string {
  const cell = Math.max(10, Math.min(22, Math.floor(640 / Math.max(1, o.columns.length))));
  const labelW = Math.min(220, 12 + 7.2 * Math.max(...o.candidates.map((c) => c.length), 4));
  // Wide enough for the legend line even when there are few episodes (it was cut off at 10).
  const width = Math.max(labelW + cell * o.columns.length + 20, labelW + 430);
  const height = 24 + cell * o.candidates.length + 24;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="grid-chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">`);
  o.candidates.forEach((name, r) => {
    parts.push(`<text class="tick" x="${labelW - 8}" y="${24 + r * cell + cell / 2}" text-anchor="end" dominant-baseline="middle">${escapeXml(name)}</text>`);
  });
  o.columns.forEach((col, c) => {
    const x = labelW + c * cell;
    if (col.episode % 5 === 0) parts.push(`<text class="tick" x="${x + cell / 2}" y="16" text-anchor="middle">${col.episode}</text>`);
    o.candidates.forEach((name, r) => {
      const y = 24 + r * cell;
      const p = col.probabilities[r] ?? 0;
      const on = col.selection[r];
      parts.push(
        `<rect class="cell" x="${x + 1}" y="${y + 1}" width="${cell - 2}" height="${cell - 2}" rx="3" fill="rgba(37,99,235,${(0.08 + 0.72 * p).toFixed(3)})" data-selected="${on ? 1 : 0}"><title>episode ${col.episode} · ${escapeXml(name)} · p = ${p.toFixed(3)}${on ? ' · used' : ''}</title></rect>`,
      );
      if (on) parts.push(`<circle cx="${x + cell / 2}" cy="${y + cell / 2}" r="${(cell / 5).toFixed(1)}" fill="#0f172a"/>`);
    });
    if (col.episode === o.highlight) {
      parts.push(`<rect x="${x}" y="23" width="${cell}" height="${cell * o.candidates.length + 2}" fill="none" stroke="#f59e0b" stroke-width="2" rx="4"/>`);
    }
  });
  parts.push(`<text class="label" x="${labelW}" y="${height - 6}">episode →   shade: probability σ(θ) · dot: used · outline: best episode</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
