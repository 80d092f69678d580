// A strict JSON reader for safetensors headers. `JSON.parse` would do for valid files, but a
// header is untrusted input and JSON.parse keeps the last of two equal keys silently and turns
// `"__proto__"` into a prototype. This parser reports duplicate keys, keeps objects as Maps (any
// key is safe), keeps numbers as their source text (so `1.0`, `1e3` and `-0` can be refused where
// an integer is wanted, and integers past 2^53 are never rounded), and bounds nesting depth, so
// no input can exhaust the stack. Grammar: RFC 8259, nothing more.

/** A parsed JSON value. Objects are Maps in source order; numbers keep their text. */
export type Json = null | boolean | string | JsonNumber | Json[] | JsonObject;
export type JsonObject = Map<string, Json>;

/** A JSON number as written, e.g. `"12"`, `"-0.5"`, `"1e3"`. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

/** A syntax error at character `pos` of the input. */
export class JsonSyntaxError extends Error {
  constructor(
    readonly detail: string,
    readonly pos: number,
  ) {
    super(detail);
  }
}

const MAX_DEPTH = 64;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Parses `text` as one JSON value, optionally followed by whitespace.
 * @example parseJson('{"a": [1, 2]}') // Map { "a" => [JsonNumber("1"), JsonNumber("2")] }
 */
export function parseJson(text: string): Json {
  let pos = 0;
  const fail = (detail: string, at = pos): never => {
    throw new JsonSyntaxError(detail, at);
  };
  const skipSpace = (): void => {
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else return;
    }
  };
  const describe = (at: number): string => (at >= text.length ? "the end of the header" : JSON.stringify(text[at]));

  const value = (depth: number): Json => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels`);
    skipSpace();
    const c = text[pos];
    if (c === "{") return object(depth);
    if (c === "[") return array(depth);
    if (c === '"') return string();
    if (c === "t" && text.startsWith("true", pos)) return (pos += 4), true;
    if (c === "f" && text.startsWith("false", pos)) return (pos += 5), false;
    if (c === "n" && text.startsWith("null", pos)) return (pos += 4), null;
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m) {
      pos += m[0].length;
      return new JsonNumber(m[0]);
    }
    return fail(`expected a JSON value, found ${describe(pos)}`);
  };

  const object = (depth: number): JsonObject => {
    const out: JsonObject = new Map();
    pos++; // {
    skipSpace();
    if (text[pos] === "}") return pos++, out;
    for (;;) {
      skipSpace();
      if (text[pos] !== '"') fail(`expected a string key, found ${describe(pos)}`);
      const at = pos;
      const key = string();
      if (out.has(key)) fail(`duplicate key ${JSON.stringify(key)}`, at);
      skipSpace();
      if (text[pos] !== ":") fail(`expected ':' after key ${JSON.stringify(key)}, found ${describe(pos)}`);
      pos++;
      out.set(key, value(depth + 1));
      skipSpace();
      if (text[pos] === ",") pos++;
      else if (text[pos] === "}") return pos++, out;
      else fail(`expected ',' or '}' in an object, found ${describe(pos)}`);
    }
  };

  const array = (depth: number): Json[] => {
    const out: Json[] = [];
    pos++; // [
    skipSpace();
    if (text[pos] === "]") return pos++, out;
    for (;;) {
      out.push(value(depth + 1));
      skipSpace();
      if (text[pos] === ",") pos++;
      else if (text[pos] === "]") return pos++, out;
      else fail(`expected ',' or ']' in an array, found ${describe(pos)}`);
    }
  };

  const string = (): string => {
    const start = pos;
    pos++; // "
    let out = "";
    let run = pos;
    for (;;) {
      if (pos >= text.length) fail("unterminated string", start);
      const c = text.charCodeAt(pos);
      if (c === 0x22) break;
      if (c < 0x20) fail("control character in a string (must be escaped)");
      if (c >= 0xd800 && c <= 0xdfff) {
        // a pair is one character; a lone half (never produced by TextDecoder) is not text
        const next = text.charCodeAt(pos + 1);
        if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) fail("unpaired surrogate in a string");
        pos += 2;
        continue;
      }
      if (c !== 0x5c) {
        pos++;
        continue;
      }
      out += text.slice(run, pos);
      const e = text[pos + 1];
      pos += 2;
      switch (e) {
        case '"': out += '"'; break;
        case "\\": out += "\\"; break;
        case "/": out += "/"; break;
        case "b": out += "\b"; break;
        case "f": out += "\f"; break;
        case "n": out += "\n"; break;
        case "r": out += "\r"; break;
        case "t": out += "\t"; break;
        case "u": {
          const u = hex4(pos);
          pos += 4;
          if (u >= 0xdc00 && u <= 0xdfff) fail("unpaired low surrogate escape", pos - 6);
          if (u >= 0xd800 && u <= 0xdbff) {
            const lo = text.startsWith("\\u", pos) ? hex4(pos + 2) : -1;
            if (lo < 0xdc00 || lo > 0xdfff) fail("unpaired high surrogate escape", pos - 6);
            pos += 6;
            out += String.fromCharCode(u, lo);
          } else out += String.fromCharCode(u);
          break;
        }
        default:
          fail(`invalid escape ${JSON.stringify("\\" + (e ?? ""))}`, pos - 2);
      }
      run = pos;
    }
    out += text.slice(run, pos);
    pos++; // "
    return out;
  };

  const hex4 = (at: number): number => {
    const h = text.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) fail(`invalid \\u escape ${JSON.stringify("\\u" + h)}`, at - 2);
    return parseInt(h, 16);
  };

  const out = value(1);
  skipSpace();
  if (pos < text.length) fail(`unexpected ${describe(pos)} after the JSON value`);
  return out;
}

/** A short name for the kind of a JSON value, for error messages. */
export function jsonKind(v: Json): string {
  if (v === null) return "null";
  if (v instanceof JsonNumber) return `number ${v.text}`;
  if (Array.isArray(v)) return "an array";
  if (v instanceof Map) return "an object";
  if (typeof v === "string") return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)}`;
  return `${v}`;
}
