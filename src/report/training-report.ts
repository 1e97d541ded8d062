// The self-contained HTML report of `ace train` runs: summary cards, dev score, loss and learning rate per epoch,
// and the epoch table. Several runs share the plots (e.g. one data set with and without a candidate).
import { escapeXml as esc, lineChart, PALETTE, type Series } from './svg.js';
import { REPORT_CSS as CSS } from './style.js';
import { UsageError } from '../util/errors.js';

export interface TrainingEpoch {
  epoch: number;
  trainLoss: number;
  devScore: number;
  learningRate: number;
  tokensPerSecond: number;
  seconds: number;
}

export interface TrainingRun {
  /** Shown in legends and headings (the folder name). */
  label: string;
  /** When dev and test are slices (--limit): which part, e.g. "first 150 of 893 sentences". */
  slices?: { dev?: string; test?: string };
  task: string;
  data: string;
  embeddings: readonly string[];
  metric: string;
  /** The epoch budget of the saved command. */
  maxEpochs: number | null;
  seed: string;
  epochs: readonly TrainingEpoch[];
  /** From results.json once the run has finished. */
  test: number | null;
  finished: boolean;
}


function num(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

/** The epoch with the highest dev score (the first of equals, as training keeps it). */
export function bestEpoch(epochs: readonly TrainingEpoch[]): TrainingEpoch | null {
  let best: TrainingEpoch | null = null;
  for (const e of epochs) if (best === null || e.devScore > best.devScore) best = e;
  return best;
}

function duration(seconds: number): string {
  if (seconds < 90) return `${seconds.toFixed(0)} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(2)} h`;
}

function cards(run: TrainingRun): string {
  const best = bestEpoch(run.epochs);
  const wall = run.epochs.reduce((s, e) => s + e.seconds, 0);
  const last = run.epochs[run.epochs.length - 1];
  const c = [
    `<div class="card"><div class="k">Best dev ${esc(run.metric)}</div><div class="v">${num(best?.devScore)}</div><div class="s">${best ? `epoch ${best.epoch}` : 'no epoch yet'}${run.slices?.dev ? ` · ${esc(run.slices.dev)}` : ''}</div></div>`,
    `<div class="card"><div class="k">Test ${esc(run.metric)}</div><div class="v">${num(run.test)}</div><div class="s">${run.finished ? 'best dev checkpoint' : 'after training ends'}${run.slices?.test ? ` · ${esc(run.slices.test)}` : ''}</div></div>`,
    `<div class="card"><div class="k">Epochs</div><div class="v">${run.epochs.length}<span class="s">${run.maxEpochs !== null ? ` / ${run.maxEpochs}` : ''}</span></div><div class="s">${run.finished ? 'finished' : 'in progress or stopped'}</div></div>`,
    `<div class="card"><div class="k">Training time</div><div class="v">${duration(wall)}</div><div class="s">${last ? `${Math.round(last.tokensPerSecond)} tok/s last epoch` : ''}</div></div>`,
  ];
  return `<div class="run-cards"><h3>${esc(run.label)} · ${esc(run.embeddings.join(' + '))}</h3><div class="cards">${c.join('')}</div></div>`;
}

function epochTable(run: TrainingRun): string {
  const best = bestEpoch(run.epochs)?.epoch;
  let prevBest = -Infinity;
  const rows = run.epochs.map((e) => {
    const delta = Number.isFinite(prevBest) ? e.devScore - prevBest : null;
    prevBest = Math.max(prevBest, e.devScore);
    const cls = delta === null ? '' : delta > 0 ? 'up' : 'down';
    return `<tr${e.epoch === best ? ' class="best"' : ''}><td>${e.epoch}</td><td class="num">${num(e.trainLoss, 3)}</td><td class="num">${num(e.devScore)}</td><td class="num ${cls}">${delta === null ? '–' : (delta > 0 ? '+' : '') + delta.toFixed(2)}</td><td class="num">${e.learningRate.toPrecision(3)}</td><td class="num">${Math.round(e.tokensPerSecond)}</td><td class="num">${num(e.seconds, 1)} s</td></tr>`;
  });
  return `<section id="epochs-${esc(run.label)}"><h2>Epochs · ${esc(run.label)}</h2><p class="lead">Δ is against the best earlier epoch; the highlighted row is the saved model.</p><div class="scroll"><table><thead><tr><th>Epoch</th><th>Train loss</th><th>Dev ${esc(run.metric)}</th><th>Δ best</th><th>Learning rate</th><th>Tok/s</th><th>Time</th></tr></thead><tbody>${rows.join('')}</tbody></table></div></section>`;
}

function series(runs: readonly TrainingRun[], value: (e: TrainingEpoch) => number): Series[] {
  return runs.map((run, i) => ({ name: run.label, color: PALETTE[i % PALETTE.length], points: run.epochs.map((e) => [e.epoch, value(e)] as [number, number]) }));
}

/** The whole page: no scripts, no external resources. */
export function renderTrainingReport(runs: readonly TrainingRun[], generatedAt?: string): string {
  if (runs.length === 0) throw new RangeError('a report needs at least one training run');
  const r0 = runs[0];
  const metrics = new Set(runs.map((r) => r.metric));
  if (metrics.size > 1) throw new UsageError(`runs with different metrics cannot share a plot (${[...metrics].join(', ')})`);
  const title = `Training · ${r0.task} on ${r0.data}`;
  const parts: string[] = [];
  parts.push('<!DOCTYPE html>');
  parts.push(`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>${CSS}</style></head><body><main>`);
  parts.push(`<header><h1>${esc(title)}</h1><p>${runs.length === 1 ? `${esc(r0.embeddings.join(' + '))} · seed ${esc(r0.seed)}` : `${runs.length} runs`} · metric ${esc(r0.metric)}</p></header>`);
  for (const run of runs) parts.push(cards(run));
  const dev = series(runs, (e) => e.devScore);
  // From zero, and scaled to the rates themselves (Adam's 2e-3 would vanish under the chart's default padding).
  const maxLr = Math.max(1e-12, ...runs.flatMap((r) => r.epochs.map((e) => e.learningRate)));
  parts.push(`<section id="dev-scores"><h2>Dev ${esc(r0.metric)} per epoch</h2><p class="lead">The model is saved whenever this reaches a new best.</p>${lineChart({ series: dev, xLabel: 'epoch', yLabel: `dev ${r0.metric}` })}</section>`);
  parts.push(`<section id="loss"><h2>Training loss per epoch</h2><p class="lead">Summed per sentence, averaged over the epoch (taggers: CRF loss; parsers: arc and label losses — parser runs older than this report logged a per-batch mean), with dropout on.</p>${lineChart({ series: series(runs, (e) => e.trainLoss), xLabel: 'epoch', yLabel: 'train loss', digits: 3 })}</section>`);
  parts.push(`<section id="learning-rate"><h2>Learning rate</h2><p class="lead">At the end of each epoch; taggers halve it after a plateau of the dev score, parsers decay it every step.</p>${lineChart({ series: series(runs, (e) => e.learningRate), xLabel: 'epoch', yLabel: 'learning rate', yRange: [0, 1.1 * maxLr], format: (v) => String(Number(v.toPrecision(3))) })}</section>`);
  for (const run of runs) parts.push(epochTable(run));
  parts.push(`<footer>ace-ts${generatedAt ? ` · generated ${esc(generatedAt)}` : ''}</footer>`);
  parts.push('</main></body></html>');
  return parts.join('\n') + '\n';
}
