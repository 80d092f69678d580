// The `text` namespace: tokenizers.

export { CharTokenizer, type CharTokenizerJSON } from "./char-tokenizer.js";
