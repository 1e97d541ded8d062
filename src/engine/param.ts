// A named trainable tensor (value + accumulated gradient), with optional row-sparse gradient tracking for lookup tables.

/**
 * The rows of a 2-D parameter whose gradient may be non-zero since the last `zeroGrad`. Lookup tables (Embedding)
 * touch only a few rows per batch; optimizers, clipping and `zeroGrad` visit just these rows.
 */
export class TouchedRows {
  private readonly mark: Uint8Array;
  private list: Int32Array;
  private n = 0;

  constructor(readonly rows: number) {
    this.mark = new Uint8Array(rows);
    this.list = new Int32Array(Math.min(rows, 1024));
  }

  touch(row: number): void {
    if (this.mark[row] === 1) return;
    this.mark[row] = 1;
    if (this.n === this.list.length) {
      const grown = new Int32Array(Math.min(this.rows, this.list.length * 2));
      grown.set(this.list);
      this.list = grown;
    }
    this.list[this.n++] = row;
  }

  get count(): number {
    return this.n;
  }

  /** The touched row indices, in first-touch order (a view, valid until the next touch or clear). */
  indices(): Int32Array {
    return this.list.subarray(0, this.n);
  }

  clear(): void {
    for (let i = 0; i < this.n; i++) this.mark[this.list[i]] = 0;
    this.n = 0;
  }
}

export interface ParamOptions {
  /** Track touched rows so that the gradient is row-sparse (2-D parameters only). */
  sparseRows?: boolean;
  /**
   * Value and gradient as views into buffers the owner allocated (each exactly `size` long), so that parameters
   * stored side by side can be reached by one matrix product. Default: the param allocates its own.
   */
  storage?: { value: Float32Array; grad: Float32Array };
}

/** A trainable tensor: row-major float32 `value`, same-shaped `grad` that backward passes accumulate into. */
export class Param {
  readonly size: number;
  readonly value: Float32Array;
  readonly grad: Float32Array;
  /** Non-null for row-sparse parameters: the rows whose `grad` may be non-zero. */
  readonly touched: TouchedRows | null;

  constructor(readonly name: string, readonly shape: readonly number[], options: ParamOptions = {}) {
    this.size = shape.reduce((a, b) => a * b, 1);
    if (options.storage) {
      const { value, grad } = options.storage;
      if (value.length !== this.size || grad.length !== this.size) throw new Error(`Param ${name}: storage views must hold ${this.size} values`);
      this.value = value;
      this.grad = grad;
    } else {
      this.value = new Float32Array(this.size);
      this.grad = new Float32Array(this.size);
    }
    if (options.sparseRows) {
      if (shape.length !== 2) throw new Error(`Param ${name}: sparse rows need a 2-D shape, got [${shape.join(', ')}]`);
      this.touched = new TouchedRows(shape[0]);
    } else {
      this.touched = null;
    }
  }

  /** Length of one row (the product of all dimensions but the first). */
  get rowSize(): number {
    return this.shape.length === 0 ? 1 : this.size / this.shape[0];
  }

  /** Set the gradient to zero; for row-sparse parameters only the touched rows are cleared. */
  zeroGrad(): void {
    if (this.touched === null) {
      this.grad.fill(0);
      return;
    }
    const w = this.rowSize;
    const idx = this.touched.indices();
    for (let i = 0; i < idx.length; i++) this.grad.fill(0, idx[i] * w, idx[i] * w + w);
    this.touched.clear();
  }
}

/** Anything with trainable parameters. */
export interface Module {
  /** Every parameter of this module, in a fixed order; names are unique within a model. */
  params(): Param[];
}

export function zeroGrads(params: Iterable<Param>): void {
  for (const p of params) p.zeroGrad();
}

/** The parameters of several modules, checked for duplicate names (which would break parameter files). */
export function collectParams(...modules: Module[]): Param[] {
  const out: Param[] = [];
  const seen = new Set<string>();
  for (const m of modules) {
    for (const p of m.params()) {
      if (seen.has(p.name)) throw new Error(`duplicate parameter name '${p.name}'`);
      seen.add(p.name);
      out.push(p);
    }
  }
  return out;
}
