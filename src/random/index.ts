// The `random` namespace: seeded generators.
export { Generator, generator, seed, defaultGenerator } from "./generator.js";
