// The three parts of a corpus: a dataset names a file per split, a task trains, evaluates and predicts per split.
export type Split = 'train' | 'dev' | 'test';
