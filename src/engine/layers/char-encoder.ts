// Sequence-of-ids encoder: embeds each item's ids, runs a BiLSTM, returns the final states of both directions.
import type { Backend } from '../backend/backend.js';
import type { Rng } from '../../util/rng.js';
import { collectParams, type Module, type Param } from '../param.js';
import { grow, growInt } from '../buffers.js';
import { Embedding } from './embedding.js';
import { BiLstm } from './bilstm.js';

export interface SequenceEncoderOptions {
  /** Params `<name>.emb.weight` and `<name>.lstm.*`. */
  name: string;
  vocabSize: number;
  /** Default 25 (flair's character embeddings). */
  embeddingDim?: number;
  /** Per direction; default 25. Output width is 2·hiddenSize. */
  hiddenSize?: number;
}

/**
 * Maps each item (a sequence of integer ids, e.g. the characters of a token) to [h_fwd(last); h_bwd(first)] of a
 * one-layer BiLSTM over its id embeddings (Lample et al. 2016). Empty items map to zeros.
 * Embeddings initialised normal(0, 1), LSTM as BiLstm.
 */
export class SequenceEncoder implements Module {
  readonly embedding: Embedding;
  readonly lstm: BiLstm;
  readonly outputSize: number;
  private ids = new Int32Array(0);
  private lengths: Int32Array = new Int32Array(0);
  private maxLen = 0;
  private out = new Float32Array(0);
  private dy = new Float32Array(0);

  constructor(backend: Backend, rng: Rng, options: SequenceEncoderOptions) {
    const dim = options.embeddingDim ?? 25;
    const h = options.hiddenSize ?? 25;
    this.embedding = new Embedding(rng, { name: `${options.name}.emb`, count: options.vocabSize, dim });
    this.lstm = new BiLstm(backend, rng, { name: `${options.name}.lstm`, inputSize: dim, hiddenSize: h });
    this.outputSize = 2 * h;
  }

  params(): Param[] {
    return collectParams(this.embedding, this.lstm);
  }

  /** ids: all items' ids back to back; lengths [items]. Returns [items, 2h] (layer-owned view). */
  forward(ids: Int32Array, lengths: Int32Array): Float32Array {
    const items = lengths.length;
    let maxLen = 0;
    for (let i = 0; i < items; i++) maxLen = Math.max(maxLen, lengths[i]);
    this.maxLen = maxLen;
    this.lengths = lengths;
    // Padding positions look up id 0; the LSTM ignores them and sends them zero gradient.
    this.ids = growInt(this.ids, items * maxLen);
    const padded = this.ids.subarray(0, items * maxLen);
    padded.fill(0);
    let o = 0;
    for (let i = 0; i < items; i++) {
      padded.set(ids.subarray(o, o + lengths[i]), i * maxLen);
      o += lengths[i];
    }
    if (o !== ids.length) throw new Error(`SequenceEncoder: lengths sum to ${o}, got ${ids.length} ids`);
    const y = this.lstm.forward(this.embedding.forward(padded), { batch: items, maxLen, lengths });
    const h = this.outputSize / 2;
    this.out = grow(this.out, items * 2 * h);
    const out = this.out.subarray(0, items * 2 * h);
    out.fill(0);
    for (let i = 0; i < items; i++) {
      const n = lengths[i];
      if (n === 0) continue;
      const last = (i * maxLen + n - 1) * 2 * h;
      const first = i * maxLen * 2 * h;
      for (let j = 0; j < h; j++) {
        out[i * 2 * h + j] = y[last + j];
        out[i * 2 * h + h + j] = y[first + h + j];
      }
    }
    return out;
  }

  /** dOut [items, 2h] → accumulates embedding and LSTM gradients. */
  backward(dOut: Float32Array): void {
    const items = this.lengths.length;
    const h = this.outputSize / 2;
    const maxLen = this.maxLen;
    this.dy = grow(this.dy, items * maxLen * 2 * h);
    const dy = this.dy.subarray(0, items * maxLen * 2 * h);
    dy.fill(0);
    for (let i = 0; i < items; i++) {
      const n = this.lengths[i];
      if (n === 0) continue;
      const last = (i * maxLen + n - 1) * 2 * h;
      const first = i * maxLen * 2 * h;
      for (let j = 0; j < h; j++) {
        dy[last + j] += dOut[i * 2 * h + j];
        dy[first + h + j] += dOut[i * 2 * h + h + j];
      }
    }
    this.embedding.backward(this.lstm.backward(dy));
  }
}
