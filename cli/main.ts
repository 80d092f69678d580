#!/usr/bin/env node
// The `tensorgrad` command: list the example experiments, run one and save its report
// (figures as PNG and SVG, metrics as CSV and JSON, report.md), check an experiment's
// gradients against finite differences, and draw the computation graph of a line model.

import { createRequire } from "node:module";
import { Argument, Command, Option } from "commander";
import { CATALOG, EXPERIMENT_NAMES, FLAG_NAMES, experimentInfo, type ExperimentInfo, type ExperimentName, type Flag } from "./catalog.js";
import { parseNonNegativeInt, parsePath, parsePositiveInt, parsePositiveNumber } from "./options.js";
import { OPTIMIZERS, type OptimizerName, type RunOptions } from "./protocol.js";

// The engine and the renderers load only once a command has valid input (dynamic imports in
// the actions), so help, listing and refused flags answer at once.

const pkg = createRequire(import.meta.url)("tensorgrad/package.json") as { version: string };

interface RunFlags {
  steps?: number;
  lr?: number;
  seed?: number;
  optimizer?: OptimizerName;
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
    .option("--out <dir>", "output folder (default: runs/<experiment>-<timestamp>)", parsePath)
    .addHelpText("after", () => `\nExperiments and the flags they use:\n${CATALOG.map(experimentHelp).join("\n")}\n`)
    .action(async (name: ExperimentName, flags: RunFlags, cmd: Command) => {
      const e = experimentInfo(name);
      const unused = unusedFlags(e, flags);
      if (unused.length) {
        const accepted = e.flags.length ? `it accepts ${e.flags.map((f) => FLAG_NAMES[f]).join(", ")}` : "it takes no training options";
        cmd.error(`error: ${unused.map((f) => `${FLAG_NAMES[f]} ${String(flags[f])}`).join(", ")}: not used by ${e.name} (${accepted})`);
      }
      const options: RunOptions = { steps: flags.steps, lr: flags.lr, seed: flags.seed, optimizer: flags.optimizer };
      const { runCommand } = await import("./run.js");
      process.exitCode = await runCommand(name, options, flags.out);
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
