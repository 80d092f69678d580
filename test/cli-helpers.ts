// What the command-line tests share: the built bin (package.json "bin", built first if missing),
// a scratch folder per test file removed afterwards, and a synchronous run that captures the
// exit status and both streams.

import { after, before } from "node:test";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));
export const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string; bin: Record<string, string> };
export const BIN = join(root, pkg.bin.tensorgrad);

export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Registers the build-if-missing and clean-up hooks of a test file; returns a maker of fresh empty working folders. */
export function cliScratch(prefix: string): () => string {
  const scratch = mkdtempSync(join(tmpdir(), prefix));
  before(() => {
    if (!existsSync(BIN)) execFileSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));
  let n = 0;
  return () => {
    const d = join(scratch, `w${n++}`);
    mkdirSync(d);
    return d;
  };
}

/** Runs `tensorgrad args` in `cwd` to completion (two minutes at most). */
export function tensorgrad(args: string[], cwd: string): Result {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
