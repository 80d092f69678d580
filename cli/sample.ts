// `tensorgrad sample DIR`: loads a char-lm checkpoint and streams generated characters to stdout.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as tg from "tensorgrad";

export interface SampleFlags {
  prompt: string;
  tokens: number;
  temperature: number;
  topK?: number;
  topP?: number;
  seed: number;
}

/** Returns the exit code: 0, or 1 with a message on stderr (nothing on stdout) for bad input. */
export async function sampleCommand(dir: string, f: SampleFlags): Promise<number> {
  const fail = (msg: string) => {
    process.stderr.write(`tensorgrad sample: ${msg}\n`);
    return 1;
  };
  if (!Number.isInteger(f.tokens) || f.tokens < 1) return fail(`--tokens must be a whole number ≥ 1, got ${f.tokens}`);
  if (!(f.temperature > 0)) return fail(`--temperature must be > 0, got ${f.temperature}`);
  if (!existsSync(join(dir, "tokenizer.json"))) return fail(`${dir} is not a char-lm checkpoint folder (no tokenizer.json)`);
  let model: tg.models.GPT;
  let tokenizer: tg.text.CharTokenizer;
  let prompt: number[];
  try {
    tokenizer = tg.text.CharTokenizer.fromJSON(JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")));
    model = await tg.models.GPT.load(dir);
    if (model.config.vocabSize !== tokenizer.vocabSize)
      return fail(`the model's vocabulary (${model.config.vocabSize}) does not match tokenizer.json (${tokenizer.vocabSize})`);
    tg.models.checkSampling("sample", { temperature: f.temperature, topK: f.topK, topP: f.topP }, tokenizer.vocabSize);
    prompt = tokenizer.encode(f.prompt.length ? f.prompt : "\n");
  } catch (e) {
    if (e instanceof tg.ArgumentError) return fail(e.message.replace(/^CharTokenizer\.encode: /, "the prompt: ").replace(/^sample: topK/, "--top-k").replace(/^sample: /, ""));
    throw e;
  }
  process.stdout.write(f.prompt);
  model.generate(tg.tensor([prompt], { dtype: "int32" }), f.tokens, {
    temperature: f.temperature, topK: f.topK, topP: f.topP, generator: tg.random.generator(f.seed),
    onToken: (id) => process.stdout.write(tokenizer.decode([id])),
  });
  process.stdout.write("\n");
  return 0;
}
