// The self-contained HTML report of one or more searches: summary, plots, final selection and the episode table.
import type { EpisodeRecord, SearchRecord } from '../search/history.js';
import { STRATEGIES, isStrategy, strategyLabel } from '../search/strategy.js';
import { escapeXml as esc, lineChart, PALETTE, selectionGrid, type Series } from './svg.js';
import { REPORT_CSS as CSS } from './style.js';

export interface ReportRun {
  /** Shown in legends and headings (e.g. the strategy, or the folder name). */
  label: string;
  record: SearchRecord;
  /** When dev and test are slices (--limit): which part, e.g. "first 150 of 893 sentences". */
  slices?: { dev?: string; test?: string };
}

export const strategyName = strategyLabel;

/** Whether the run's strategy draws selections from a controller (what the probability plot shows). */
function drawsSelections(strategy: string): boolean {
  return isStrategy(strategy) && !STRATEGIES[strategy].singleModel;
}

function totalEpochs(r: SearchRecord): number {
  return r.episodes.reduce((n, e) => n + e.epochs.length, 0);
}

/** Best dev score so far after each training epoch, over the whole run (x: epochs trained). */
function bestSoFarByEpoch(episodes: readonly EpisodeRecord[]): Array<[number, number]> {
  let best = -Infinity;
  let n = 0;
  const points: Array<[number, number]> = [];
  for (const e of episodes) {
    for (const x of e.epochs) {
      best = Math.max(best, x.devScore);
      points.push([++n, best]);
    }
  }
  return points;
}


function num(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

/** The run whose controller the probability plot shows: the first ACE run, else the first run. */
function primaryRun(runs: readonly ReportRun[]): ReportRun {
  return runs.find((r) => r.record.strategy === 'ace') ?? runs.find((r) => drawsSelections(r.record.strategy)) ?? runs[0];
}

function bestSoFar(episodes: readonly EpisodeRecord[]): Array<[number, number]> {
  let best = -Infinity;
  return episodes.map((e) => {
    best = Math.max(best, e.devScore);
    return [e.episode, best] as [number, number];
  });
}

function summaryCards(run: ReportRun): string {
  const r = run.record;
  const f = r.final;
  const cards: string[] = [];
  cards.push(`<div class="card"><div class="k">Best dev ${esc(r.metricName)}</div><div class="v">${num(f?.bestDevScore)}</div><div class="s">${f ? `episode ${f.bestEpisode}, epoch ${f.bestEpoch + 1}` : 'search not finished'}${run.slices?.dev ? ` · ${esc(run.slices.dev)}` : ''}</div></div>`);
  cards.push(`<div class="card"><div class="k">Test ${esc(r.metricName)}</div><div class="v">${num(f?.testScore)}</div><div class="s">best dev checkpoint${run.slices?.test ? ` · ${esc(run.slices.test)}` : ''}</div></div>`);
  const regime = r.regime?.name ?? 'fixed';
  const planned = isStrategy(r.strategy) && STRATEGIES[r.strategy].singleModel && regime !== 'fixed' ? 1 : r.options.episodes;
  cards.push(`<div class="card"><div class="k">Episodes</div><div class="v">${r.episodes.length}<span class="s"> / ${planned}</span></div><div class="s">${totalEpochs(r)} epochs · regime ${esc(regime)}${regime === 'fixed' ? ` (${r.options.epochsPerEpisode} each)` : ''}</div></div>`);
  const seconds = r.episodes.reduce((n, e) => n + e.wallSeconds, 0);
  cards.push(`<div class="card"><div class="k">Wall time</div><div class="v">${(seconds / 3600).toFixed(2)}<span class="s"> h</span></div><div class="s">training and dev scoring</div></div>`);
  if (f?.ensemble) cards.push(`<div class="card"><div class="k">Ensemble vote</div><div class="v">${num(f.ensemble.devScore)}</div><div class="s">dev · ${f.ensemble.members} models · test ${num(f.ensemble.testScore)}</div></div>`);
  if (f?.retrain) cards.push(`<div class="card"><div class="k">Retrained</div><div class="v">${num(f.retrain.devScore)}</div><div class="s">dev · ${f.retrain.epochs.length} epochs · test ${num(f.retrain.testScore)}</div></div>`);
  return `<div class="run-cards" data-run="${esc(run.label)}"><h3>${esc(run.label)}</h3><div class="cards">${cards.join('')}</div></div>`;
}

function chips(candidates: readonly string[], selection: readonly boolean[]): string {
  return `<div class="chips">${candidates.map((c, i) => `<span class="chip${selection[i] ? ' on' : ''}">${esc(c)}</span>`).join('')}</div>`;
}

function finalSelection(run: ReportRun): string {
  const r = run.record;
  if (!r.final) return '';
  const f = r.final;
  const bars = r.candidates
    .map((c, i) => {
      const p = f.probabilities[i] ?? 0;
      return `<span>${esc(c)}</span><div class="bar${f.selection[i] ? '' : ' off'}"><i style="width:${(100 * p).toFixed(1)}%"></i></div><span class="s">${f.selection[i] ? 'used' : 'dropped'} · p ${p.toFixed(3)}</span>`;
    })
    .join('');
  return `<section id="final-${esc(run.label)}"><h2>Final selection · ${esc(run.label)}</h2><p class="lead">The concatenation of the best dev checkpoint (${f.selection.filter(Boolean).length} of ${r.candidates.length} candidates), with the controller's final probabilities.</p>${chips(r.candidates, f.selection)}<div class="bars" style="margin-top:14px">${bars}</div></section>`;
}

function episodeTable(run: ReportRun): string {
  const r = run.record;
  const best = r.final?.bestEpisode;
  let prevBest = -Infinity;
  const rows = r.episodes.map((e) => {
    const delta = Number.isFinite(prevBest) ? e.devScore - prevBest : null;
    prevBest = Math.max(prevBest, e.devScore);
    const mask = e.selection.map((s) => (s ? '■' : '□')).join('');
    const reward = e.reward ? e.reward.reduce((a, b) => a + b, 0) : null;
    const cls = delta === null ? '' : delta > 0 ? 'up' : delta < 0 ? 'down' : '';
    return `<tr${e.episode === best ? ' class="best"' : ''}><td>${e.episode}</td><td class="mask" title="${esc(r.candidates.filter((_, i) => e.selection[i]).join(' + '))}">${mask}</td><td class="num">${num(e.devScore)}</td><td class="num ${cls}">${delta === null ? '–' : (delta > 0 ? '+' : '') + delta.toFixed(2)}</td><td class="num">${num(reward, 3)}</td><td class="num">${e.epochs.length}</td><td class="num">${num(e.wallSeconds, 1)} s</td></tr>`;
  });
  return `<section id="episodes-${esc(run.label)}"><h2>Episodes · ${esc(run.label)}</h2><p class="lead">Columns of the mask follow the candidate order: ${esc(r.candidates.join(', '))}. Δ is against the best earlier episode; reward is Σ_l r<sup>l</sup>.</p><div class="scroll"><table><thead><tr><th>Episode</th><th>Selection</th><th>Dev ${esc(r.metricName)}</th><th>Δ best</th><th>Reward</th><th>Epochs</th><th>Wall time</th></tr></thead><tbody>${rows.join('')}</tbody></table></div></section>`;
}

/** The whole page: no scripts, no external resources. */
export function renderReport(runs: readonly ReportRun[], generatedAt?: string): string {
  if (runs.length === 0) throw new RangeError('a report needs at least one search record');
  const primary = primaryRun(runs);
  const r0 = primary.record;
  const devSeries: Series[] = runs.map((run, i) => ({
    name: run.label,
    color: PALETTE[i % PALETTE.length],
    dashed: isStrategy(run.record.strategy) && STRATEGIES[run.record.strategy].dashed,
    points: run.record.episodes.map((e) => [e.episode, e.devScore] as [number, number]),
  }));
  if (runs.length === 1) devSeries.push({ name: 'best so far', color: '#94a3b8', dashed: true, points: bestSoFar(r0.episodes) });
  const probSeries: Series[] = r0.candidates.map((c, l) => {
    const points = r0.episodes.map((e) => [e.episode, e.probabilities[l]] as [number, number]);
    if (r0.final) points.push([r0.episodes.length, r0.final.probabilities[l]]);
    return { name: c, color: PALETTE[l % PALETTE.length], points };
  });
  const hasAceAndRandom = runs.some((r) => r.record.strategy === 'ace') && runs.some((r) => r.record.strategy === 'random');
  const title = `${strategyName(r0.strategy)} search · ${r0.taskName}`;
  const parts: string[] = [];
  parts.push('<!DOCTYPE html>');
  parts.push(`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>${CSS}</style></head><body><main>`);
  parts.push(`<header><h1>${esc(title)}</h1><p>${runs.map((r) => `<span class="badge">${esc(strategyName(r.record.strategy))}</span>`).join('')}${r0.candidates.length} embedding candidates · metric ${esc(r0.metricName)} · seed ${r0.options.seed} · reward ${esc(r0.options.reward.kind)} (γ = ${r0.options.reward.discount}, shaping ${esc(r0.options.reward.shaping)})</p></header>`);
  for (const run of runs) parts.push(summaryCards(run));
  parts.push(`<section id="dev-scores"><h2>Dev ${esc(r0.metricName)} per episode</h2><p class="lead">${hasAceAndRandom ? 'ACE against RANDOM on the same protocol: each point is the best dev score of an episode.' : 'Each point is the best dev score of an episode.'}</p>${lineChart({ series: devSeries, xLabel: 'episode', yLabel: `dev ${r0.metricName}` })}</section>`);
  if (runs.length > 1) {
    // Best so far against episodes (a one-episode ALL is drawn level over the others' range) and against epochs.
    const span = Math.max(1, ...runs.map((r) => r.record.episodes.length - 1));
    const bestSeries: Series[] = runs.map((run, i) => {
      const pts = bestSoFar(run.record.episodes);
      const points = pts.length === 1 ? [pts[0], [span, pts[0][1]] as [number, number]] : pts;
      return { name: run.label, color: PALETTE[i % PALETTE.length], dashed: devSeries[i].dashed ?? false, points };
    });
    const epochSeries: Series[] = runs.map((run, i) => ({ name: run.label, color: PALETTE[i % PALETTE.length], dashed: devSeries[i].dashed ?? false, points: bestSoFarByEpoch(run.record.episodes) }));
    const lengthSeries: Series[] = runs
      .map((run, i) => ({ name: run.label, color: PALETTE[i % PALETTE.length], points: run.record.episodes.map((e) => [e.episode, e.epochs.length] as [number, number]) }))
      .filter((series) => series.points.length > 1);
    parts.push(`<section id="best-so-far"><h2>Best dev ${esc(r0.metricName)} so far</h2><p class="lead">The best dev score reached by each run after each episode (a single-model run is one episode, drawn level) and after each epoch of training, which puts runs of different cost on one axis.</p>${lineChart({ series: bestSeries, xLabel: 'episode', yLabel: `best dev ${r0.metricName}` })}${lineChart({ series: epochSeries, xLabel: 'epochs trained', yLabel: `best dev ${r0.metricName}` })}</section>`);
    if (lengthSeries.length > 0) parts.push(`<section id="episode-epochs"><h2>Epochs per episode</h2><p class="lead">How long each episode trained before its stopping rule ended it.</p>${lineChart({ series: lengthSeries, xLabel: 'episode', yLabel: 'epochs', digits: 0 })}</section>`);
  }
  if (drawsSelections(r0.strategy)) {
    parts.push(`<section id="probabilities"><h2>Candidate probabilities · ${esc(primary.label)}</h2><p class="lead">σ(θ<sub>l</sub>) when each episode's selection was drawn; the last point is after the final update.</p>${lineChart({ series: probSeries, xLabel: 'episode', yLabel: 'P(keep)', yRange: [0, 1], digits: 3 })}</section>`);
  }
  for (const run of runs) {
    parts.push(`<section id="selections-${esc(run.label)}"><h2>Selections · ${esc(run.label)}</h2><p class="lead">Which candidates each episode concatenated.</p><div class="scroll">${selectionGrid({ candidates: run.record.candidates, columns: run.record.episodes, highlight: run.record.final?.bestEpisode })}</div></section>`);
  }
  for (const run of runs) parts.push(finalSelection(run));
  for (const run of runs) parts.push(episodeTable(run));
  parts.push(`<footer>ace-ts · Automated Concatenation of Embeddings (Wang et al., ACL 2021)${generatedAt ? ` · generated ${esc(generatedAt)}` : ''}</footer>`);
  parts.push('</main></body></html>');
  return parts.join('\n') + '\n';
}
