// `tensorgrad explore`: serves the explorer (the tutorials' widgets, running tensorgrad in the
// page) from a local HTTP server. The page is sent with the cross-origin isolation headers
// (COOP/COEP) that shared memory, and so worker threads, need in browsers.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".wasm": "application/wasm",
};

/** The built explorer site: dist/explorer beside the compiled CLI, or in the repository. */
export function explorerDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, "../explorer"), resolve(here, "../dist/explorer")];
  return candidates.find((d) => existsSync(join(d, "index.html")) && existsSync(join(d, "explorer.js")));
}

export interface ExplorerServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Serves the files of `dir` with COOP/COEP headers on `host:port` (port 0: any free port). */
export function serveExplorer(dir: string, port = 0, host = "127.0.0.1"): Promise<ExplorerServer> {
  const base = resolve(dir);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    const file = normalize(join(base, path.endsWith("/") ? path + "index.html" : path));
    const headers = {
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
      "cross-origin-resource-policy": "same-origin",
      "cache-control": "no-cache",
    };
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403, { ...headers, "content-type": "text/plain" }).end("forbidden");
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { ...headers, "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body),
      () => res.writeHead(404, { ...headers, "content-type": "text/plain" }).end("not found"),
    );
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      const { port: p } = server.address() as AddressInfo;
      ok({
        server,
        url: `http://${host === "0.0.0.0" ? "localhost" : host}:${p}/`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function openInBrowser(url: string): void {
  const cmd = process.platform === "darwin" ? "open" : process.platform === "win32" ? "cmd" : "xdg-open";
  const args = process.platform === "win32" ? ["/c", "start", "", url] : [url];
  try {
    const child = spawn(cmd, args, { detached: true, stdio: "ignore" });
    child.on("error", () => process.stderr.write(`could not open a browser (${cmd}); open ${url} yourself\n`));
    child.unref();
  } catch {
    process.stderr.write(`could not open a browser; open ${url} yourself\n`);
  }
}

/** Runs the server until the process is stopped; returns an exit code on failure. */
export async function exploreCommand(opts: { port?: number; open?: boolean; host?: string; dir?: string }): Promise<number> {
  const dir = opts.dir ?? explorerDir();
  if (!dir || !existsSync(join(dir, "index.html"))) {
    process.stderr.write(
      opts.dir
        ? `tensorgrad explore: ${opts.dir} holds no built explorer (index.html)\n`
        : "tensorgrad explore: the explorer is not built (run `npm run build`, which writes dist/explorer)\n",
    );
    return 1;
  }
  let s: ExplorerServer;
  try {
    s = await serveExplorer(dir, opts.port ?? 8080, opts.host ?? "127.0.0.1");
  } catch (e) {
    process.stderr.write(`tensorgrad explore: cannot listen on port ${opts.port ?? 8080}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  process.stdout.write(`tensorgrad explorer: ${s.url}  (Ctrl+C to stop)\n`);
  if (opts.open) openInBrowser(s.url);
  await new Promise<void>((done) => {
    const stop = () => {
      void s.close().then(done);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  return 0;
}
