// The sentence views task models consume; each file format keeps its own full record and converts to these.

/** Words plus optional input feature columns (e.g. `pos`, `lemma`, `xpos`), all of the same length. */
export interface Sentence {
  /** Sentence id from the file (CoNLL-U `# sent_id`, SDP `#2000...`, ABSA `id`), when there is one. */
  id?: string | undefined;
  words: string[];
  features?: Record<string, string[]>;
}

/** A sentence with one label per word (NER / chunk / POS / aspect tags, in the file's scheme). */
export interface TaggedSentence extends Sentence {
  tags: string[];
  /** ABSA only: each word's [from, to) in the sentence text and the gold terms', for offset-level scores. */
  charOffsets?: CharOffsets;
}

/** Character ranges [from, to) of a sentence's words and of its gold aspect terms. */
export interface CharOffsets {
  words: [number, number][];
  terms: [number, number][];
}

/** A dependency tree: `heads[i]` is the 1-based head of word i+1, 0 for the root. */
export interface TreeSentence extends Sentence {
  heads: number[];
  rels: string[];
}

/** One labelled arc of a semantic graph; `head` 0 means the virtual root/top. Word indices are 1-based. */
export interface GraphArc {
  dep: number;
  head: number;
  label: string;
}

/** A semantic dependency graph (SDP, enhanced UD restricted to surface words). */
export interface GraphSentence extends Sentence {
  arcs: GraphArc[];
}
