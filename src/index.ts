// The public API of tensorgrad.

import { initWasm as initWasmDefault } from "./backend/select.js";

export * from "./library.js";
export * as examples from "./examples/index.js";

// The Wasm SIMD backend becomes the default where the runtime supports it; elsewhere the
// reference backend stays in place (see backendInfo() for the reason).
await initWasmDefault();
