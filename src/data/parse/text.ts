/** A character-level vocabulary: one id per distinct Unicode code point. */
export interface CharVocab {
  /** The characters in id order (sorted by code point). */
  chars: string[];
  /** Character to id. */
  stoi: Map<string, number>;
  /** Number of distinct characters, `chars.length`. */
  size: number;
  /** Maps each code point of `s` to its id; throws on a character not in the vocabulary. */
  encode(s: string): Int32Array;
  /** Maps ids back to text; throws on an id out of range. */
  decode(ids: ArrayLike<number>): string;
}

/**
 * Builds a character-level vocabulary for language modelling from `text`.
 *
 * Characters are whole code points, so a non-BMP character such as an emoji
 * (two UTF-16 code units) gets a single id, and ids follow code point order,
 * which is stable across runs and platforms.
 *
 * @example
 * const v = buildCharVocab("hello");
 * v.chars;                    // ["e", "h", "l", "o"]
 * v.encode("hole");           // Int32Array [1, 3, 2, 0]
 * v.decode([1, 0, 2, 2, 3]);  // "hello"
 */
export function buildCharVocab(text: string): CharVocab {
  const seen = new Set<string>();
  for (const ch of text) seen.add(ch);
  // The default sort compares UTF-16 code units, which puts surrogate pairs
  // (U+10000 and above) before U+E000..U+FFFF; compare code points instead.
  const chars = [...seen].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  const stoi = new Map<string, number>();
  chars.forEach((ch, i) => stoi.set(ch, i));

  return {
    chars,
    stoi,
    size: chars.length,
    encode(s: string): Int32Array {
      // s.length bounds the number of code points; trimmed at the end.
      const out = new Int32Array(s.length);
      let n = 0;
      for (const ch of s) {
        const id = stoi.get(ch);
        if (id === undefined) {
          const cp = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
          throw new RangeError(`encode: character ${JSON.stringify(ch)} (U+${cp}) at position ${n} is not in the vocabulary`);
        }
        out[n++] = id;
      }
      return n === out.length ? out : out.slice(0, n);
    },
    decode(ids: ArrayLike<number>): string {
      const parts = new Array<string>(ids.length);
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i];
        if (!Number.isInteger(id) || id < 0 || id >= chars.length) {
          const valid = chars.length === 0 ? "the vocabulary is empty" : `valid ids are 0..${chars.length - 1}`;
          throw new RangeError(`decode: id ${id} at position ${i} is out of range (${valid})`);
        }
        parts[i] = chars[id];
      }
      return parts.join("");
    },
  };
}
