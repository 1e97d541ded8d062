// Dependency trees from biaffine scores (Dozat & Manning 2017): head cross-entropy + label cross-entropy, MST or Eisner decoding, LAS.
import type { Backend } from '../../engine/backend/backend.js';
import { softmaxCrossEntropy } from '../../engine/index.js';
import type { TreeSentence } from '../../formats/types.js';
import { attachmentScores } from '../../metrics/attachment.js';
import { relationClassTable } from '../../metrics/per-class.js';
import { eisner, eisnerBatch, eisnerTableBytes, EisnerWorkspace } from '../../structs/eisner.js';
import { mst, mstBatch } from '../../structs/mst.js';
import type { Evaluation } from '../task.js';
import type { ParserScores } from './biaffine-network.js';
import type { ObjectiveLoss, ParserObjective } from './parser-objective.js';

/** 'mst': Chu-Liu-Edmonds, non-projective (UD); 'eisner': projective. Both return one root dependent. */
export type TreeDecoder = 'mst' | 'eisner';
export const TREE_DECODERS: readonly TreeDecoder[] = Object.freeze(['mst', 'eisner']);

export interface TreeObjectiveOptions {
  decoder: TreeDecoder;
}

export const TREE_OBJECTIVE_DEFAULTS: Readonly<TreeObjectiveOptions> = Object.freeze({ decoder: 'mst' });

/** One predicted tree: heads[i] is the 1-based head of word i+1 (0 = root), rels[i] its relation. */
export interface PredictedTree {
  heads: number[];
  rels: string[];
}

/** Gold heads (1-based, 0 = root) and relation ids per word. */
export interface TreeGold {
  heads: Int32Array;
  rels: Int32Array;
}

/** Logit for impossible heads (padding, self-loops): exp() of it underflows to exactly zero. */
const MASKED = -1e9;

/**
 * Loss = mean over words of −log softmax_h(s_arc[d, h])[gold head] (heads over root + the sentence's words, the word
 * itself excluded) + mean over words of −log softmax(s_rel[d, gold head])[gold relation]. Decoding takes the best
 * well-formed tree with exactly one root dependent, then each word's best relation for its predicted head.
 */
export class TreeObjective implements ParserObjective<TreeSentence, PredictedTree, TreeGold> {
  readonly kind = 'dependency' as const;
  readonly metricName = 'LAS';
  readonly options: TreeObjectiveOptions;
  private readonly eisnerWs = new EisnerWorkspace();
  private logits: Float32Array = new Float32Array(0);
  private dArc: Float32Array = new Float32Array(0);
  private dRel: Float32Array = new Float32Array(0);

  constructor(private readonly backend: Backend, options: Partial<TreeObjectiveOptions> = {}) {
    this.options = { ...TREE_OBJECTIVE_DEFAULTS, ...options };
    if (!TREE_DECODERS.includes(this.options.decoder)) throw new RangeError(`unknown tree decoder '${String(this.options.decoder)}' (expected ${TREE_DECODERS.join(', ')})`);
  }

  get settings(): Readonly<Record<string, unknown>> {
    return { ...this.options };
  }

  labelSet(sentences: readonly TreeSentence[]): string[] {
    const set = new Set<string>();
    for (const s of sentences) for (const r of s.rels) set.add(r);
    return [...set].sort();
  }

  encode(sentence: TreeSentence, labelIndex: ReadonlyMap<string, number>, where: string): TreeGold {
    const n = sentence.words.length;
    const heads = Int32Array.from(sentence.heads);
    heads.forEach((h, i) => {
      if (!(h >= 0 && h <= n && h !== i + 1)) throw new Error(`${where}: word ${i + 1} has head ${h}`);
    });
    const rels = Int32Array.from(sentence.rels, (r) => {
      const k = labelIndex.get(r);
      if (k === undefined) throw new Error(`${where}: relation ${r} is not in the label set`);
      return k;
    });
    return { heads, rels };
  }

  loss(scores: ParserScores, gold: readonly TreeGold[]): ObjectiveLoss {
    const { batch, size: t, lengths, arc } = scores;
    const rows = batch * t;
    this.logits = ensure(this.logits, rows * t);
    this.dArc = ensure(this.dArc, rows * t);
    const logits = this.logits.subarray(0, rows * t);
    const dArc = this.dArc.subarray(0, rows * t);
    logits.set(arc.subarray(0, rows * t));
    const targets = new Int32Array(rows).fill(-1);
    let words = 0;
    for (let b = 0; b < batch; b++) {
      const n = lengths[b];
      for (let d = 1; d <= n; d++) {
        const r = b * t + d;
        targets[r] = gold[b].heads[d - 1];
        logits[r * t + d] = MASKED;
        for (let h = n + 1; h < t; h++) logits[r * t + h] = MASKED;
        words++;
      }
    }
    const arcLoss = softmaxCrossEntropy(this.backend, logits, rows, t, targets, dArc);
    // Label scores of the gold arcs only, one row per word: ∂L/∂s_rel is [words, labels] for these arcs.
    const cells = new Int32Array(words);
    const relTargets = new Int32Array(words);
    let w = 0;
    for (let b = 0; b < batch; b++) {
      for (let d = 1; d <= lengths[b]; d++) {
        cells[w] = (b * t + d) * t + gold[b].heads[d - 1];
        relTargets[w++] = gold[b].rels[d - 1];
      }
    }
    const relRows = scores.relAt(cells);
    const k = relRows.length / Math.max(1, words);
    this.dRel = ensure(this.dRel, words * k);
    const dRel = this.dRel.subarray(0, words * k);
    const relLoss = softmaxCrossEntropy(this.backend, relRows, words, k, relTargets, dRel);
    const sum = arcLoss.loss * arcLoss.count + relLoss.loss * relLoss.count;
    return { loss: arcLoss.loss + relLoss.loss, sum, dArc, dRel };
  }

  /** Eisner's span tables (MST reads the scores in place and needs O(n) beside them). */
  decodeBytes(words: number): number {
    return this.options.decoder === 'eisner' ? eisnerTableBytes(words) : 0;
  }

  decode(scores: ParserScores, labels: readonly string[]): PredictedTree[] {
    const { batch, size: t, lengths, arc } = scores;
    const k = labels.length;
    const a = arc.subarray(0, batch * t * t);
    const heads = this.options.decoder === 'eisner' ? eisnerBatch(a, lengths, undefined, { workspace: this.eisnerWs }) : mstBatch(a, lengths);
    // Label scores for the predicted arcs only.
    let words = 0;
    for (let b = 0; b < batch; b++) words += lengths[b];
    const cells = new Int32Array(words);
    let w = 0;
    for (let b = 0; b < batch; b++) for (let d = 1; d <= lengths[b]; d++) cells[w++] = (b * t + d) * t + heads[b * t + d];
    const rel = scores.relAt(cells);
    const out: PredictedTree[] = [];
    w = 0;
    for (let b = 0; b < batch; b++) {
      const n = lengths[b];
      const tree: PredictedTree = { heads: new Array<number>(n), rels: new Array<string>(n) };
      for (let d = 1; d <= n; d++) {
        tree.heads[d - 1] = heads[b * t + d];
        tree.rels[d - 1] = labels[argmax(rel, w++ * k, k)];
      }
      out.push(tree);
    }
    return out;
  }

  evaluate(gold: readonly TreeSentence[], pred: readonly PredictedTree[]): Evaluation {
    const r = attachmentScores(gold, pred);
    return { score: 100 * r.las, details: { LAS: 100 * r.las, UAS: 100 * r.uas, words: r.words }, perClass: relationClassTable(gold, pred) };
  }

  /**
   * Per sentence, each model's arcs are votes; the best tree under the vote counts (same decoder) wins, and each word
   * takes the relation most models gave that head (ties: the earliest model).
   */
  vote(predictions: readonly (readonly PredictedTree[])[], lengths: readonly number[]): PredictedTree[] {
    return lengths.map((n, s) => {
      const size = n + 1;
      const counts = new Float64Array(size * size);
      for (const p of predictions) p[s].heads.forEach((h, i) => (counts[(i + 1) * size + h] += 1));
      const heads = this.options.decoder === 'eisner' ? eisner(counts, n, { workspace: this.eisnerWs }) : mst(counts, n);
      const tree: PredictedTree = { heads: Array.from(heads.subarray(1)), rels: new Array<string>(n) };
      for (let i = 0; i < n; i++) {
        const tally = new Map<string, number>();
        let best = predictions[0][s].rels[i];
        let bestCount = 0;
        for (const p of predictions) {
          if (p[s].heads[i] !== tree.heads[i]) continue;
          const c = (tally.get(p[s].rels[i]) ?? 0) + 1;
          tally.set(p[s].rels[i], c);
          if (c > bestCount) {
            best = p[s].rels[i];
            bestCount = c;
          }
        }
        tree.rels[i] = best;
      }
      return tree;
    });
  }
}

export function argmax(x: Float32Array, o: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (x[o + j] > x[o + best]) best = j;
  return best;
}

export function ensure(buf: Float32Array, n: number): Float32Array {
  return buf.length >= n ? buf : new Float32Array(n);
}
