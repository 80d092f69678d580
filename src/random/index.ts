// The `random` namespace: seeded generators.
export { Generator, generator, seed, defaultGenerator } from "./generator.js";
export { multinomial, type MultinomialOpts } from "./multinomial.js";
