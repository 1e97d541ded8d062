// Span tag schemes IOB1, IOB2 and BIOES: spans of a tag sequence and conversion between schemes.

export type TagScheme = 'IOB1' | 'IOB2' | 'BIOES';

/** A labelled span over tokens [start, end) (end exclusive). */
export interface Span {
  start: number;
  end: number;
  type: string;
}

function split(tag: string): [string, string] {
  if (tag === 'O') return ['O', ''];
  const dash = tag.indexOf('-');
  if (dash !== 1) return [tag, ''];
  return [tag[0], tag.slice(2)];
}

/**
 * Spans under conlleval's rules, which read IOB1 and IOB2 alike: a span starts at B-X, S-X, or at I-X/E-X after a
 * different type or O; it ends before O, B-, S-, a type change, or after E-/S-. Unknown prefixes throw.
 */
export function spansOf(tags: readonly string[], scheme: TagScheme): Span[] {
  const spans: Span[] = [];
  let cur: Span | undefined;
  const close = (at: number): void => {
    if (cur) {
      cur.end = at;
      spans.push(cur);
      cur = undefined;
    }
  };
  for (let i = 0; i < tags.length; i++) {
    const [p, type] = split(tags[i]);
    const allowed = scheme === 'BIOES' ? 'BIOES' : 'BIO';
    if (p !== 'O' && (!allowed.includes(p) || type === '')) throw new RangeError(`tag '${tags[i]}' at position ${i} is not a ${scheme} tag`);
    if (p === 'O') {
      close(i);
      continue;
    }
    const continues = cur !== undefined && cur.type === type && (p === 'I' || p === 'E');
    if (!continues) {
      close(i);
      cur = { start: i, end: i + 1, type };
    }
    if (p === 'E' || p === 'S') close(i + 1);
  }
  close(tags.length);
  return spans;
}

/** Writes spans over `length` tokens in a scheme (IOB1 uses B- only where a span touches one of the same type). */
export function tagsOf(spans: readonly Span[], length: number, scheme: TagScheme): string[] {
  const tags = new Array<string>(length).fill('O');
  let prevEnd = -1;
  let prevType = '';
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    if (s.start < prevEnd) throw new RangeError(`spans overlap at token ${s.start}`);
    for (let i = s.start; i < s.end; i++) tags[i] = `I-${s.type}`;
    const single = s.end - s.start === 1;
    if (scheme === 'IOB2') tags[s.start] = `B-${s.type}`;
    else if (scheme === 'IOB1') {
      if (prevEnd === s.start && prevType === s.type) tags[s.start] = `B-${s.type}`;
    } else if (single) tags[s.start] = `S-${s.type}`;
    else {
      tags[s.start] = `B-${s.type}`;
      tags[s.end - 1] = `E-${s.type}`;
    }
    prevEnd = s.end;
    prevType = s.type;
  }
  return tags;
}

/** Converts via spans; lossless for every sequence already written in its scheme's canonical form (see isCanonical). */
export function convert(tags: readonly string[], from: TagScheme, to: TagScheme): string[] {
  return tagsOf(spansOf(tags, from), tags.length, to);
}

/**
 * True when the tags are exactly what `tagsOf` writes for their spans — e.g. IOB1 with a B- after O is valid under
 * conlleval but not canonical, and such a tag cannot survive a round trip through another scheme.
 */
export function isCanonical(tags: readonly string[], scheme: TagScheme): boolean {
  const back = convert(tags, scheme, scheme);
  return back.every((t, i) => t === tags[i]);
}
