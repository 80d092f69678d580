#!/usr/bin/env node
// The `tensorgrad` command: list the example experiments, run one and save its report
// (figures as PNG and SVG, metrics as CSV and JSON, report.md), check an experiment's
// gradients against finite differences, and draw the computation graph of a line model.

import { createRequire } from "node:module";
import { Argument, Command, Option } from "commander";
import { CATALOG, EXPERIMENT_NAMES, FLAG_NAMES, MAX_STEPS, experimentInfo, type ExperimentInfo, type ExperimentName, type Flag } from "./catalog.js";
import { parseNonNegativeInt, parseNumberList, parsePath, parsePositiveInt, parsePositiveNumber } from "./options.js";
import { OPTIMIZERS, type OptimizerName, type RunOptions } from "./protocol.js";
import { CHAR_LM_FLAGS, type CharLmFlags } from "./char-lm-flags.js";

// The engine and the renderers load only once a command has valid input (dynamic imports in
// the actions), so help, listing and refused flags answer at once.

const pkg = createRequire(import.meta.url)("tensorgrad/package.json") as { version: string };

interface RunFlags extends CharLmFlags {
  steps?: number;
  lr?: number;
  seed?: number;
  optimizer?: OptimizerName;
  image?: string;
  gaussians?: number;
  seconds?: number;
  mu?: number[];
  sigma?: number;
  cov?: number[];
  out?: string;
}

/** Flags given on the command line that the experiment has no use for. */
function unusedFlags(e: ExperimentInfo, flags: RunFlags): Flag[] {
  return (Object.keys(FLAG_NAMES) as Flag[]).filter((f) => flags[f] !== undefined && !e.flags.includes(f));
}

function experimentHelp(e: ExperimentInfo): string {
  const flags = e.flags.length ? e.flags.map((f) => FLAG_NAMES[f]).join(" ") : "no flags";
  return `  ${e.name.padEnd(15)} ${flags}${e.flagNote ? `; ${e.flagNote}` : ""}`;
}

function experimentArgument(): Argument {
  return new Argument("<experiment>", "the experiment to use (tensorgrad list describes them)").choices(EXPERIMENT_NAMES);
}

export function buildProgram(): Command {
  const program = new Command()
    .name("tensorgrad")
    .description("Run the tensorgrad example experiments and save their figures and metrics.")
    .version(pkg.version, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .showHelpAfterError("(add --help for usage)")
    .configureHelp({ sortSubcommands: false });

  program
    .command("list")
    .description("list the experiments with a one-line description")
    .action(() => {
      const width = Math.max(...CATALOG.map((e) => e.name.length));
      for (const e of CATALOG) process.stdout.write(`${e.name.padEnd(width)}  ${e.description}\n`);
    });

  program
    .command("run")
    .description("run an experiment and write its report (figures, metrics, report.md)")
    .addArgument(experimentArgument())
    .option("--steps <n>", "training steps (a whole number ≥ 1)", parsePositiveInt)
    .option("--lr <x>", "learning rate (a positive number)", parsePositiveNumber)
    .option("--seed <s>", "random seed (a whole number ≥ 0)", parseNonNegativeInt)
    .addOption(new Option("--optimizer <name>", "optimizer").choices(OPTIMIZERS))
    .option("--image <path>", "a PNG to fit (8-bit grey/RGB/RGBA)", parsePath)
    .option("--gaussians <n>", "number of Gaussians (a whole number ≥ 1)", parsePositiveInt)
    .option("--seconds <t>", "wall-clock budget in seconds (a positive number)", parsePositiveNumber)
    .option("--mu <x,y>", "centre of the Gaussians", parseNumberList(2))
    .option("--sigma <s>", "standard deviation of the isotropic Gaussian (a positive number)", parsePositiveNumber)
    .option("--cov <xx,xy,yy>", "covariance of the anisotropic Gaussian", parseNumberList(3))
    .option("--out <dir>", "output folder (default: runs/<experiment>-<timestamp>)", parsePath)
    .addHelpText("after", () => `\nExperiments and the flags they use:\n${CATALOG.map(experimentHelp).join("\n")}\n`);
  // ---- char-lm ----
  const run = program.commands[program.commands.length - 1];
  run.option("--preset <name>", "char-lm: a named configuration (default, baby)");
  for (const [, flag, description, parser] of CHAR_LM_FLAGS) run.option(flag, `char-lm: ${description}`, parser);
  run.option("--no-bias", "char-lm: no biases in the linear layers and LayerNorms");
  run.option("--resume <dir>", "char-lm: continue the run saved in <dir>", parsePath);
  run.action(async (name: ExperimentName, flags: RunFlags, cmd: Command) => {
      const e = experimentInfo(name);
      const charLmGiven: string[] = [...CHAR_LM_FLAGS.map(([k, f]) => [k, f.split(" ")[0]] as const), ["preset", "--preset"] as const, ["resume", "--resume"] as const]
        .filter(([k]) => flags[k] !== undefined)
        .map(([, f]) => f);
      if (flags.bias === false) charLmGiven.push("--no-bias");
      if (name === "char-lm") {
        if (flags.optimizer !== undefined) cmd.error("error: --optimizer: not used by char-lm (it trains with AdamW)");
        const { charLmCommand } = await import("./char-lm.js");
        process.exitCode = await charLmCommand({ ...flags, bias: flags.bias === false ? false : undefined });
        return;
      }
      if (charLmGiven.length) cmd.error(`error: ${charLmGiven.join(", ")}: only used by char-lm`);
      const unused = unusedFlags(e, flags);
      if (unused.length) {
        const accepted = e.flags.length ? `it accepts ${e.flags.map((f) => FLAG_NAMES[f]).join(", ")}` : "it takes no training options";
        cmd.error(`error: ${unused.map((f) => `${FLAG_NAMES[f]} ${String(flags[f])}`).join(", ")}: not used by ${e.name} (${accepted})`);
      }
      const maxSteps = e.maxSteps ?? MAX_STEPS;
      if (flags.steps !== undefined && flags.steps > maxSteps) {
        cmd.error(`error: --steps ${flags.steps}: ${e.name} accepts at most ${maxSteps} (every step's numbers are kept for the report)`);
      }
      const options: RunOptions = {
        steps: flags.steps, lr: flags.lr, seed: flags.seed, optimizer: flags.optimizer,
        image: flags.image, gaussians: flags.gaussians, seconds: flags.seconds, mu: flags.mu, sigma: flags.sigma, cov: flags.cov,
      };
      const { runCommand } = await import("./run.js");
      process.exitCode = await runCommand(name, options, flags.out);
    });

  // ---- sample ----
  program
    .command("sample")
    .description("stream characters generated by a trained char-lm checkpoint")
    .argument("<dir>", "the run folder (model.safetensors, config.json, tokenizer.json)")
    .option("--prompt <text>", "text to start from", "")
    .option("--tokens <n>", "characters to generate", (t: string) => Number(t), 500)
    .option("--temperature <x>", "sampling temperature (> 0)", (t: string) => Number(t), 0.8)
    .option("--top-k <k>", "sample among the k most likely characters", (t: string) => Number(t))
    .option("--top-p <p>", "nucleus sampling: the smallest set with probability ≥ p", (t: string) => Number(t))
    .option("--seed <s>", "random seed (a whole number ≥ 0)", parseNonNegativeInt, 1)
    .action(async (dir: string, flags: import("./sample.js").SampleFlags) => {
      const { sampleCommand } = await import("./sample.js");
      process.exitCode = await sampleCommand(dir, flags);
    });

  program
    .command("gradcheck")
    .description("check an experiment's gradients against central differences in float64 (exit 1 on failure)")
    .addArgument(experimentArgument())
    .action(async (name: ExperimentName) => {
      const { gradcheckCommand } = await import("./gradcheck.js");
      process.exitCode = await gradcheckCommand(name);
    });

  program
    .command("graph")
    .description("draw the computation graph of ŷ = w·x + b, L = (ŷ − y)² as DOT, SVG and PNG")
    .option("--out <dir>", "output folder (default: runs/graph-<timestamp>)", parsePath)
    .action(async (flags: { out?: string }) => {
      const { graphCommand } = await import("./graph.js");
      process.exitCode = await graphCommand(flags.out);
    });

  program
    .command("explore")
    .description("serve the interactive explorer (tensorgrad in the browser) on a local port and print its URL")
    .option("--port <n>", "port to listen on (default 8080; 0 picks a free one)", parseNonNegativeInt)
    .option("--open", "open the page in the default browser")
    .option("--dir <dir>", "serve a built explorer from this folder (default: the package's dist/explorer)", parsePath)
    .action(async (flags: { port?: number; open?: boolean; dir?: string }) => {
      const { exploreCommand } = await import("./explore.js");
      process.exitCode = await exploreCommand(flags);
    });

  return program;
}

// Output piped into a program that stops reading (`| head`) must not abort the run: the report
// still gets written.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE" && e.code !== "ERR_STREAM_DESTROYED") throw e;
  });
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (e) {
  process.stderr.write(`tensorgrad: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
