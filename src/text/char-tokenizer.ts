// A character-level tokenizer: the vocabulary is the set of characters of a text, sorted by
// code point (as `sorted(set(text))` in Python), and each character's id is its rank.

import { ArgumentError } from "../core/errors.js";

/** What `toJSON` writes and `fromJSON` reads. */
export interface CharTokenizerJSON {
  type: "char";
  /** The vocabulary in id order. */
  chars: string[];
}

/**
 * Characters ↔ integer ids, one id per distinct character of the text it was built from.
 * @example
 * const tok = tg.text.CharTokenizer.fromText("hello");
 * tok.encode("hole") // [2, 3, 1, 0];  tok.decode([2, 0]) // "he"
 */
export class CharTokenizer {
  /** The vocabulary in id order. */
  readonly chars: readonly string[];
  readonly #ids: Map<string, number>;

  constructor(chars: readonly string[]) {
    const seen = new Set<string>();
    for (const c of chars) {
      if (typeof c !== "string" || [...c].length !== 1) throw new ArgumentError(`CharTokenizer: each vocabulary entry must be one character, got ${JSON.stringify(c)}`);
      if (seen.has(c)) throw new ArgumentError(`CharTokenizer: the character ${JSON.stringify(c)} appears twice in the vocabulary`);
      seen.add(c);
    }
    this.chars = [...chars];
    this.#ids = new Map(this.chars.map((c, i) => [c, i]));
  }

  /** The sorted distinct characters of `text` (by code point). */
  static fromText(text: string): CharTokenizer {
    const set = [...new Set(text)];
    set.sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new CharTokenizer(set);
  }

  static fromJSON(json: CharTokenizerJSON | unknown): CharTokenizer {
    const j = json as CharTokenizerJSON;
    if (!j || j.type !== "char" || !Array.isArray(j.chars)) throw new ArgumentError(`CharTokenizer.fromJSON: expected {"type": "char", "chars": [...]}`);
    return new CharTokenizer(j.chars);
  }

  get vocabSize(): number {
    return this.chars.length;
  }

  /** Whether `c` is in the vocabulary. */
  has(c: string): boolean {
    return this.#ids.has(c);
  }

  /** The ids of `text`'s characters; a character outside the vocabulary is an error naming it and its position. */
  encode(text: string): number[] {
    const out: number[] = [];
    let pos = 0;
    for (const c of text) {
      const id = this.#ids.get(c);
      if (id === undefined)
        throw new ArgumentError(`CharTokenizer.encode: character ${JSON.stringify(c)} (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}) at position ${pos} is not in the vocabulary`);
      out.push(id);
      pos++;
    }
    return out;
  }

  /** The text of `ids`; an id outside [0, vocabSize) is an error. */
  decode(ids: ArrayLike<number> | Iterable<number>): string {
    let s = "";
    let pos = 0;
    for (const id of Array.from(ids as ArrayLike<number>)) {
      const c = this.chars[id];
      if (c === undefined) throw new ArgumentError(`CharTokenizer.decode: id ${id} at position ${pos} is outside the vocabulary [0, ${this.chars.length})`);
      s += c;
      pos++;
    }
    return s;
  }

  toJSON(): CharTokenizerJSON {
    return { type: "char", chars: [...this.chars] };
  }
}
