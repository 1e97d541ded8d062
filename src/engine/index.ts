// The engine's public surface: parameters, layers, losses, optimizers, schedules, parameter files, gradient checks.
export type { Backend, BackendInfo } from './backend/backend.js';
export { getBackend, type BackendChoice } from './backend/select.js';
export { Param, TouchedRows, collectParams, zeroGrads, type Module, type ParamOptions } from './param.js';
export { initWeight, fillUniform, fillNormal, type Init } from './init.js';
export { packPlan, checkLayout, packRows, unpackRows, rowCount, packedStarts, type SeqLayout, type PackPlan, type RowOrder } from './layout.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { BlockLinear, type BlockLinearOptions } from './layers/block-linear.js';
export { Embedding, type EmbeddingOptions } from './layers/embedding.js';
export { BiLstm, type BiLstmOptions } from './layers/bilstm.js';
export { LstmRecurrence } from './layers/lstm-recurrence.js';
export { SequenceEncoder, type SequenceEncoderOptions } from './layers/char-encoder.js';
export { Mlp, type MlpOptions } from './layers/mlp.js';
export { Biaffine, type BiaffineOptions, type BiaffineGrads } from './layers/biaffine.js';
export { Dropout, LockedDropout, type MaskDraw } from './layers/dropout.js';
export { softmaxCrossEntropy, type LossOptions, type LossResult } from './loss/softmax-cross-entropy.js';
export { sigmoidBinaryCrossEntropy } from './loss/binary-cross-entropy.js';
export { SlotOptimizer, type Optimizer, type OptimizerState, type NamedTensor } from './optim/optimizer.js';
export { Adam, type AdamOptions } from './optim/adam.js';
export { Sgd, type SgdOptions } from './optim/sgd.js';
export { clipGradNorm } from './optim/clip.js';
export {
  ReduceLrOnPlateau, ExponentialLr,
  type HasLearningRate, type ReduceLrOnPlateauOptions, type ReduceLrOnPlateauState, type ExponentialLrState,
} from './optim/schedulers.js';
export {
  encodeTensors, decodeTensors, saveTensors, loadTensors, saveParams, loadParams, loadMatchingParams,
  TENSOR_FILE_MAGIC, TENSOR_FILE_VERSION, type LoadParamsOptions, type PartialLoad,
} from './serialize.js';
export { gradCheck, randomProjection, projectionLoss, type GradTarget, type GradCheckOptions, type GradCheckReport, type GradCheckFailure } from './gradcheck.js';
