// The score array types every struct accepts: Float32Array from the engine, Float64Array from tests and gradient checks.

/** A flat, row-major array of scores. */
export type FloatArray = Float32Array | Float64Array;
