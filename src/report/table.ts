// Comparison tables of finished searches: per data set/task, one row per strategy (and pool) with mean ± spread over seeds; Markdown and an HTML page.
import type { EpisodeRecord, SearchRecord } from '../search/history.js';
import { SEARCH_STRATEGIES, STRATEGIES, isStrategy } from '../search/strategy.js';
import { strategyName } from './html-report.js';
import { REPORT_CSS } from './style.js';
import { escapeXml as esc, lineChart, PALETTE, type Series } from './svg.js';

/** One search as the tables see it. */
export interface TableRun {
  /** The data set / task it belongs to (a plan's data set id, or "data · task"). */
  family: string;
  /** The candidate pool (a plan's pool name, or the candidates joined). */
  pool: string;
  record: SearchRecord;
}

/** sd: mean ± sample standard deviation (n − 1); range: mean and min–max. */
export type Spread = 'sd' | 'range';

export interface Stat {
  mean: number;
  sd: number | null;
  min: number;
  max: number;
  n: number;
}

export interface TableRow {
  strategy: string;
  /** How long episodes trained (protocolOf): rows of one strategy under two regimes stay apart. */
  protocol: string;
  pool: string;
  candidates: string[];
  seeds: number[];
  /** Best dev score (the ensemble's vote for the ensemble strategy). */
  dev: Stat;
  test: Stat | null;
  /** Epochs trained, summed over the episodes (and a retraining) of all seeds. */
  epochs: number;
  /** Training wall time of all seeds, in seconds. */
  wallSeconds: number;
  /** ACE only: σ(θ) at the end, averaged over seeds, per candidate. */
  probabilities: number[] | null;
  /** Per candidate: in how many seeds' final selection it is. */
  kept: number[];
  records: SearchRecord[];
}

export interface FamilyTable {
  family: string;
  metric: string;
  rows: TableRow[];
  /** Whether rows differ by pool (then the pool is shown). */
  pools: boolean;
  /** Whether rows differ by protocol (then it is shown beside the strategy). */
  protocols: boolean;
  /** Runs of this family left out because they have not finished. */
  unfinished: number;
}

export function stat(values: readonly number[]): Stat {
  if (values.length === 0) throw new RangeError('stat of no values');
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : null;
  return { mean, sd, min: Math.min(...values), max: Math.max(...values), n };
}

/** A strategy that collects its episodes' predictions (Ensemble) is scored by their vote. */
function devOf(r: SearchRecord): number {
  const f = r.final!;
  return isStrategy(r.strategy) && STRATEGIES[r.strategy].collectsPredictions && f.ensemble ? f.ensemble.devScore : f.bestDevScore;
}

function testOf(r: SearchRecord): number | null {
  const f = r.final!;
  return isStrategy(r.strategy) && STRATEGIES[r.strategy].collectsPredictions && f.ensemble ? f.ensemble.testScore : f.testScore;
}

function epochsOf(r: SearchRecord): { epochs: number; seconds: number } {
  const eps = r.episodes.reduce((s, e: EpisodeRecord) => s + e.epochs.length, 0) + (r.final?.retrain?.epochs.length ?? 0);
  const secs = r.episodes.reduce((s, e) => s + e.wallSeconds, 0) + (r.final?.retrain?.epochs.reduce((s, e) => s + e.seconds, 0) ?? 0);
  return { epochs: eps, seconds: secs };
}

const strategyOrder = (s: string): number => {
  const i = (SEARCH_STRATEGIES as readonly string[]).indexOf(s);
  return i < 0 ? SEARCH_STRATEGIES.length : i;
};

/**
 * The regime a search ran under, as a table names it: 'budget', 'official', or for the fixed regime its epochs
 * ('1 epoch/episode', or for a single model its total: '145 epochs').
 */
export function protocolOf(r: SearchRecord): string {
  const name = r.regime?.name ?? 'fixed';
  if (name !== 'fixed') return name;
  const single = isStrategy(r.strategy) && STRATEGIES[r.strategy].singleModel;
  const n = single ? r.options.episodes * r.options.epochsPerEpisode : r.options.epochsPerEpisode;
  return single ? `fixed ${n} epochs` : `fixed ${n} epoch${n === 1 ? '' : 's'}/episode`;
}

/** Group finished runs by family, then by strategy, protocol and pool; families and pools in first-seen order. */
export function buildTables(runs: readonly TableRun[]): FamilyTable[] {
  const families = new Map<string, TableRun[]>();
  for (const r of runs) families.set(r.family, [...(families.get(r.family) ?? []), r]);
  const tables: FamilyTable[] = [];
  for (const [family, all] of families) {
    const done = all.filter((r) => r.record.final !== null);
    const groups = new Map<string, TableRun[]>();
    for (const r of done) {
      const key = `${r.record.strategy}\u0000${protocolOf(r.record)}\u0000${r.pool}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const poolOrder = [...new Set(done.map((r) => r.pool))];
    const rows: TableRow[] = [...groups.values()].map((group) => {
      const records = [...group.map((g) => g.record)].sort((a, b) => a.options.seed - b.options.seed);
      const first = records[0];
      const tests = records.map(testOf).filter((t): t is number => t !== null);
      const cost = records.map(epochsOf);
      const L = first.candidates.length;
      // σ(θ) means something only where the controller learned (ACE); the others' stays at its start.
      const probabilities = isStrategy(first.strategy) && STRATEGIES[first.strategy].updatesController
        ? Array.from({ length: L }, (_, l) => records.reduce((s, r) => s + r.final!.probabilities[l], 0) / records.length)
        : null;
      return {
        strategy: first.strategy,
        protocol: protocolOf(first),
        pool: group[0].pool,
        candidates: [...first.candidates],
        seeds: records.map((r) => r.options.seed),
        dev: stat(records.map(devOf)),
        test: tests.length === records.length ? stat(tests) : null,
        epochs: cost.reduce((s, c) => s + c.epochs, 0),
        wallSeconds: cost.reduce((s, c) => s + c.seconds, 0),
        probabilities,
        kept: Array.from({ length: L }, (_, l) => records.filter((r) => r.final!.selection[l]).length),
        records,
      };
    });
    rows.sort((a, b) => poolOrder.indexOf(a.pool) - poolOrder.indexOf(b.pool) || strategyOrder(a.strategy) - strategyOrder(b.strategy));
    // Protocols are named once some strategy ran under two of them (ACE budget and ACE fixed, ALL converged and ALL
    // budget-matched).
    const protocols = rows.some((r) => rows.some((o) => o.strategy === r.strategy && o.protocol !== r.protocol));
    tables.push({ family, metric: (done[0] ?? all[0]).record.metricName, rows, pools: poolOrder.length > 1, protocols, unfinished: all.length - done.length });
  }
  return tables;
}

export function formatStat(s: Stat | null, spread: Spread): string {
  if (s === null) return '–';
  if (spread === 'range') return s.n > 1 ? `${s.mean.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})` : s.mean.toFixed(2);
  return s.sd === null ? s.mean.toFixed(2) : `${s.mean.toFixed(2)} ± ${s.sd.toFixed(2)}`;
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(2)} h`;
}

function probabilitiesText(row: TableRow): string {
  return row.probabilities === null ? '–' : row.candidates.map((c, l) => `${c} ${row.probabilities![l].toFixed(2)}`).join(' · ');
}

function keptText(row: TableRow): string {
  return row.candidates.map((c, l) => `${c} ${row.kept[l]}/${row.seeds.length}`).join(' · ');
}

export const SPREAD_NOTE: Record<Spread, string> = {
  sd: 'mean ± sample standard deviation (n − 1) over seeds',
  range: 'mean (min–max) over seeds',
};

function headers(t: FamilyTable): string[] {
  return ['Strategy', ...(t.pools ? ['Pool'] : []), 'Seeds', `Best dev ${t.metric}`, `Test ${t.metric}`, 'Epochs', 'Wall time', 'Final σ(θ)', 'Kept (seeds)'];
}

function cells(t: FamilyTable, row: TableRow, spread: Spread): string[] {
  return [
    rowName(t, row), ...(t.pools ? [row.pool] : []), String(row.seeds.length), formatStat(row.dev, spread), formatStat(row.test, spread),
    String(row.epochs), formatSeconds(row.wallSeconds), probabilitiesText(row), keptText(row),
  ];
}

function rowName(t: FamilyTable, row: TableRow): string {
  return t.protocols ? `${strategyName(row.strategy)} (${row.protocol})` : strategyName(row.strategy);
}

const mdCell = (s: string): string => s.replace(/\|/g, '\\|');

/** One Markdown table per family, for RESULTS.md. */
export function renderMarkdown(tables: readonly FamilyTable[], spread: Spread = 'sd'): string {
  const out: string[] = [`Scores: ${SPREAD_NOTE[spread]}. Best dev is the best checkpoint's dev score (for Ensemble, the vote of the episode models); test is scored with that checkpoint. Epochs and wall time are summed over all seeds' episodes. σ(θ): the ACE controller's final keep-probabilities, averaged over seeds; kept: in how many seeds' final selection each candidate is.`, ''];
  for (const t of tables) {
    out.push(`### ${t.family} (${t.metric})`, '');
    const h = headers(t);
    out.push(`| ${h.map(mdCell).join(' | ')} |`, `|${h.map((_, i) => (i === 0 || (t.pools && i === 1) || i >= h.length - 2 ? '---' : '---:')).join('|')}|`);
    for (const row of t.rows) out.push(`| ${cells(t, row, spread).map(mdCell).join(' | ')} |`);
    if (t.rows.length === 0) out.push('', 'No finished run yet.');
    if (t.unfinished > 0) out.push('', `${t.unfinished} unfinished run${t.unfinished > 1 ? 's' : ''} left out.`);
    out.push('');
  }
  return out.join('\n');
}

/** Best dev score so far after each episode. */
export function bestSoFarCurve(r: SearchRecord): Array<[number, number]> {
  let best = -Infinity;
  return r.episodes.map((e) => {
    best = Math.max(best, e.devScore);
    return [e.episode, best] as [number, number];
  });
}

/** Wide enough for the one-row legend of svg.ts's line chart (56 px margin, then 34 px + 7 px a character per series). */
function chartWidth(series: readonly Series[]): number {
  return Math.max(980, 72 + series.reduce((w, s) => w + 34 + 7 * s.name.length, 0));
}

/** The page: per family, the table and the best-so-far dev curves, one line per strategy × seed. */
export function renderTableHtml(tables: readonly FamilyTable[], spread: Spread = 'sd', title = 'Experiment', generatedAt?: string): string {
  const parts: string[] = ['<!DOCTYPE html>'];
  parts.push(`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>${REPORT_CSS}</style></head><body><main>`);
  parts.push(`<header><h1>${esc(title)}</h1><p>${tables.length} data set/task famil${tables.length === 1 ? 'y' : 'ies'} · scores: ${esc(SPREAD_NOTE[spread])}</p></header>`);
  tables.forEach((t, ti) => {
    const h = headers(t);
    const body = t.rows.map((row) => `<tr>${cells(t, row, spread).map((c, i) => `<td${i > (t.pools ? 1 : 0) && i < h.length - 2 ? ' class="num"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('');
    const series: Series[] = t.rows.flatMap((row, ri) => row.records.map((r, si) => ({
      name: `${rowName(t, row)}${t.pools ? ` ${row.pool}` : ''} s${r.options.seed}`,
      color: PALETTE[ri % PALETTE.length],
      dashed: si % 2 === 1,
      points: bestSoFarCurve(r),
    })));
    const note = t.unfinished > 0 ? ` ${t.unfinished} unfinished run${t.unfinished > 1 ? 's' : ''} left out.` : '';
    parts.push(`<section id="family-${ti}" data-family="${esc(t.family)}"><h2>${esc(t.family)} · ${esc(t.metric)}</h2><p class="lead">One row per strategy over ${esc(SPREAD_NOTE[spread])}.${esc(note)}</p><div class="scroll"><table><thead><tr>${h.map((x) => `<th>${esc(x)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table></div>`);
    if (series.length > 0) {
      parts.push(`<h2 style="margin-top:18px">Best dev ${esc(t.metric)} so far</h2><p class="lead">After each episode; one line per strategy × seed (alternate seeds dashed).</p>${lineChart({ series, xLabel: 'episode', yLabel: `best dev ${t.metric}`, width: chartWidth(series) })}`);
    }
    parts.push('</section>');
  });
  parts.push(`<footer>ace-ts · ace report --table${generatedAt ? ` · generated ${esc(generatedAt)}` : ''}</footer>`);
  parts.push('</main></body></html>');
  return parts.join('\n') + '\n';
}
