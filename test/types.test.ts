// Compile-time guarantees, checked by `tsc` (npm test runs the typecheck): a primitive without
// test cases, or without its derivative rules, does not compile.

import { test } from "node:test";
import assert from "node:assert/strict";
import { definePrimitive } from "../src/prims/define.js";

test("primitive definitions require cases and both rules (checked by the compiler)", () => {
  // @ts-expect-error -- `cases` is missing
  const noCases = definePrimitive({
    name: "noCases",
    kind: "compute",
    infer: ([x]) => ({ shape: [...x.shape], dtype: x.dtype }),
    kernel: (be, [x], _p, out) => be.unary("neg", { buf: x._buf!, offset: 0, strides: [] }, out.shape, out.dtype),
    vjp: null,
    jvp: null,
  });
  definePrimitive({
    name: "emptyCases",
    kind: "compute",
    infer: ([x]) => ({ shape: [...x.shape], dtype: x.dtype }),
    kernel: (be, [x], _p, out) => be.unary("neg", { buf: x._buf!, offset: 0, strides: [] }, out.shape, out.dtype),
    vjp: null,
    jvp: null,
    // @ts-expect-error -- at least one case is required
    cases: [],
  });
  // @ts-expect-error -- the JVP rule is missing (write `jvp: null` to declare it non-differentiable)
  const noJvp = definePrimitive({
    name: "noJvp",
    kind: "compute",
    infer: ([x]) => ({ shape: [...x.shape], dtype: x.dtype }),
    kernel: (be, [x], _p, out) => be.unary("neg", { buf: x._buf!, offset: 0, strides: [] }, out.shape, out.dtype),
    vjp: null,
    cases: [{ shapes: [[1]] }],
  });
  assert.ok(noCases && noJvp);
});
