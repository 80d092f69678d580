/**
 * Test helpers: a strict little SVG/XML tokenizer (enough for the documents
 * the plot module emits) and a structural comparison used by golden tests.
 */

export interface SvgElement {
  tag: string;
  attrs: Record<string, string>;
  /** Text content directly inside the element (unescaped). */
  text: string;
  depth: number;
  parent: number;
}

const TAG = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/y;
const ATTR = /([\w:.-]+)="([^"]*)"/g;

function unescape(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&");
}

/**
 * Parses the document into a flat pre-order element list. Throws on
 * unbalanced tags, stray `<`, unknown entities or duplicate attributes.
 */
export function parseSvg(svg: string): SvgElement[] {
  const out: SvgElement[] = [];
  const stack: number[] = [];
  let i = 0;
  while (i < svg.length) {
    const lt = svg.indexOf("<", i);
    const chunk = lt < 0 ? svg.slice(i) : svg.slice(i, lt);
    if (/&(?!(amp|lt|gt|quot);)/.test(chunk)) throw new Error(`bad entity near ${i}`);
    if (chunk.trim() && stack.length) out[stack[stack.length - 1]].text += unescape(chunk);
    else if (chunk.trim()) throw new Error(`text outside root near ${i}`);
    if (lt < 0) break;
    TAG.lastIndex = lt;
    const m = TAG.exec(svg);
    if (!m) throw new Error(`malformed tag at ${lt}: ${svg.slice(lt, lt + 60)}`);
    const [, close, tag, attrText, selfClose] = m;
    if (close) {
      const top = stack.pop();
      if (top === undefined || out[top].tag !== tag) throw new Error(`unbalanced </${tag}> at ${lt}`);
    } else {
      const attrs: Record<string, string> = {};
      for (const a of attrText.matchAll(ATTR)) {
        if (a[1] in attrs) throw new Error(`duplicate attribute ${a[1]} on <${tag}>`);
        if (/&(?!(amp|lt|gt|quot);)/.test(a[2])) throw new Error(`bad entity in ${a[1]}`);
        attrs[a[1]] = unescape(a[2]);
      }
      out.push({ tag, attrs, text: "", depth: stack.length, parent: stack.length ? stack[stack.length - 1] : -1 });
      if (!selfClose) stack.push(out.length - 1);
    }
    i = TAG.lastIndex;
  }
  if (stack.length) throw new Error(`unclosed <${out[stack[stack.length - 1]].tag}>`);
  if (!out.length || out[0].tag !== "svg") throw new Error("root element is not <svg>");
  return out;
}

/** Elements with the given tag, optionally inside an ancestor with this class. */
export function select(els: SvgElement[], tag: string, withinClass?: string): SvgElement[] {
  return els.filter((e) => {
    if (e.tag !== tag) return false;
    if (!withinClass) return true;
    for (let p = e.parent; p >= 0; p = els[p].parent) {
      if ((els[p].attrs.class ?? "").split(/\s+/).includes(withinClass)) return true;
    }
    return false;
  });
}

/** All elements whose class list contains `cls`. */
export function byClass(els: SvgElement[], cls: string): SvgElement[] {
  return els.filter((e) => (e.attrs.class ?? "").split(/\s+/).includes(cls));
}

const NUM = /-?\d*\.?\d+(?:e[-+]?\d+)?/gi;

/**
 * Compares two documents element by element: same tags, nesting and text,
 * same attribute names; numbers inside attribute values (coordinates, path
 * data, transforms) may differ by `tol`, other characters must match.
 * Returns a list of human-readable differences (empty when equal).
 */
export function structuralDiff(actual: SvgElement[], expected: SvgElement[], tol = 0.05): string[] {
  const diffs: string[] = [];
  if (actual.length !== expected.length) diffs.push(`element count ${actual.length} != ${expected.length}`);
  const n = Math.min(actual.length, expected.length);
  for (let k = 0; k < n && diffs.length < 20; k++) {
    const a = actual[k];
    const e = expected[k];
    const where = `#${k} <${e.tag}>`;
    if (a.tag !== e.tag || a.depth !== e.depth) {
      diffs.push(`${where}: got <${a.tag}> at depth ${a.depth}`);
      continue;
    }
    if (a.text !== e.text) diffs.push(`${where}: text ${JSON.stringify(a.text)} != ${JSON.stringify(e.text)}`);
    const keys = new Set([...Object.keys(a.attrs), ...Object.keys(e.attrs)]);
    for (const key of keys) {
      const av = a.attrs[key];
      const ev = e.attrs[key];
      if (av === undefined || ev === undefined) {
        diffs.push(`${where}: attribute ${key} only on one side`);
        continue;
      }
      if (av.replace(NUM, "#") !== ev.replace(NUM, "#")) {
        diffs.push(`${where}: ${key} shape "${av.slice(0, 60)}" != "${ev.slice(0, 60)}"`);
        continue;
      }
      const an = av.match(NUM) ?? [];
      const en = ev.match(NUM) ?? [];
      for (let i = 0; i < en.length; i++) {
        if (Math.abs(Number(an[i]) - Number(en[i])) > tol) {
          diffs.push(`${where}: ${key}[${i}] ${an[i]} != ${en[i]}`);
          break;
        }
      }
    }
  }
  return diffs;
}

/** Width/height from a PNG's IHDR chunk (independent of the library's reader). */
export function pngHeader(png: Uint8Array): { signature: number[]; chunk: string; width: number; height: number } {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return {
    signature: [...png.slice(0, 8)],
    chunk: String.fromCharCode(...png.slice(12, 16)),
    width: dv.getUint32(16),
    height: dv.getUint32(20),
  };
}
