// Choosing a graph parser's arc threshold on held-out data: the scores are computed once, each threshold only decodes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphSentence } from '../../formats/types.js';
import { writeJsonAtomic } from '../../util/atomic-fs.js';
import { InputError } from '../../util/errors.js';
import type { ParserScores } from '../dependency/biaffine-network.js';
import type { ParserDecoder } from '../dependency/parser-objective.js';
import { frozenSourcesFor, type LoadedParser } from '../dependency/load.js';
import { GraphObjective, type PredictedGraph } from '../dependency/graph-objective.js';

/** Logit thresholds tried by default: σ from 0.27 to 0.95 (0 is the σ > 0.5 rule of Dozat & Manning 2018). */
export const DEFAULT_THRESHOLDS: readonly number[] = Object.freeze([-1, -0.5, 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3]);

export interface ThresholdScore {
  threshold: number;
  score: number;
}

export interface Calibration {
  /** The best threshold (the smallest of equal scores) and its score. */
  best: ThresholdScore;
  /** Every threshold tried, in the order given. */
  table: ThresholdScore[];
  metric: string;
}

/** Decodes each batch once per threshold: a sentence's prediction is its graph at every threshold. */
function thresholdSweep(decoders: readonly GraphObjective[]): ParserDecoder<PredictedGraph[]> {
  return {
    kind: 'graph',
    decode: (scores: ParserScores, labels: readonly string[]) => {
      const perThreshold = decoders.map((d) => d.decode(scores, labels));
      return Array.from({ length: scores.batch }, (_, b) => perThreshold.map((graphs) => graphs[b]));
    },
  };
}

/** Scores the parser's graphs on `gold` at each threshold (its other decoding settings unchanged). */
export async function sweepThresholds(parser: LoadedParser, gold: readonly GraphSentence[], thresholds: readonly number[] = DEFAULT_THRESHOLDS): Promise<Calibration> {
  const base = parser.objective;
  if (base.kind !== 'graph') throw new Error(`only graph parsers have an arc threshold (this bundle predicts ${parser.description.kind} structures)`);
  if (thresholds.length === 0) throw new RangeError('no thresholds to try');
  if (gold.length === 0) throw new RangeError('no sentences to calibrate on');
  const decoders = thresholds.map((threshold) => new GraphObjective(parser.backend, { ...base.options, threshold }));
  const sources = await frozenSourcesFor(parser, gold);
  const graphs = parser.predict(thresholdSweep(decoders), gold, sources);
  const table = decoders.map((d, k) => ({ threshold: thresholds[k], score: d.evaluate(gold, graphs.map((g) => g[k])).score }));
  const best = table.reduce((a, b) => (b.score > a.score || (b.score === a.score && b.threshold < a.threshold) ? b : a));
  return { best, table, metric: base.metricName };
}

/** Stores a threshold in a bundle's model.json (atomically); params.bin is untouched. */
export function storeThreshold(dir: string, threshold: number): void {
  const file = join(dir, 'model.json');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { kind?: string; objective?: Record<string, unknown> };
  if (raw.kind !== 'graph' || typeof raw.objective !== 'object' || raw.objective === null) throw new InputError(file, undefined, 'not a graph parser bundle');
  writeJsonAtomic(file, { ...raw, objective: { ...raw.objective, threshold } });
}
