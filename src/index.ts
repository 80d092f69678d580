// The public API of tensorgrad: the engine only. Loading it does no work (no top-level await,
// no V8 flags, no threads); the experiments live at `tensorgrad/examples`.

export * from "./library.js";
