import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { InputError, PerfLabError } from "../errors";
import { profilesDir as defaultProfiles, reportsDir as defaultReports } from "../paths";
import { escapeHtml } from "../report/escape";
import { listRuns } from "../results/load";

/**
 * `perflab view`: a small read-only web server on loopback for what runs produced. It lists runs, their
 * reports, flamegraphs and profiles, opens .cpuprofile/.heapprofile files in speedscope (bundled from
 * npm, offline), and serves only files under reports/ and profiles/ (and speedscope's own assets).
 */
export interface ViewServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".cpuprofile": "application/json; charset=utf-8",
  ".heapprofile": "application/json; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".wasm": "application/wasm",
  ".txt": "text/plain; charset=utf-8",
  ".log": "text/plain; charset=utf-8",
};

export function speedscopeDir(): string {
  return path.join(path.dirname(require.resolve("speedscope/package.json")), "dist", "release");
}

/**
 * `basePath`: the URL prefix the pages are reached under (default "/"); behind a proxy that strips it — the
 * Jupyter server's `/perflab/` (jupyter-server-proxy) — links must still carry it.
 */
export async function startViewServer(opts: { port?: number; host?: string; reportsDir?: string; profilesDir?: string; basePath?: string } = {}): Promise<ViewServer> {
  const host = opts.host ?? "127.0.0.1";
  if (!["127.0.0.1", "localhost", "::1"].includes(host)) throw new InputError("VIEW_HOST", `perflab view serves on loopback only (got host ${host})`, { field: "host" });
  const base = (opts.basePath ?? "/").replace(/\/?$/, "/");
  if (!base.startsWith("/") || /[\s"'<>]/.test(base)) throw new InputError("VIEW_BASE", `--base-path must be a URL path starting with / (got "${opts.basePath}")`, { field: "base-path" });
  const roots = {
    reports: path.resolve(opts.reportsDir ?? defaultReports()),
    profiles: path.resolve(opts.profilesDir ?? defaultProfiles()),
    speedscope: speedscopeDir(),
    base,
  };
  const server = http.createServer((req, res) => {
    try {
      handle(req, res, roots);
    } catch (err) {
      res.writeHead(500, { "content-type": "text/plain" }).end(`error: ${(err as Error).message}`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "EADDRINUSE" ? new PerfLabError("PORT_IN_USE", `port ${opts.port} on ${host} is already in use: choose another with --port`, { exitCode: 2 }) : err),
    );
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Roots = { reports: string; profiles: string; speedscope: string; base: string };

function handle(req: http.IncomingMessage, res: http.ServerResponse, roots: Roots): void {
  if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain", "read-only");
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  } catch {
    return send(res, 400, "text/plain", "bad URL");
  }
  if (pathname === "/" || pathname === "/index.html") return send(res, 200, TYPES[".html"]!, indexPage(roots));
  if (pathname === "/favicon.ico") return void res.writeHead(204).end(); // pages served here (0x's too) ask for one
  const m = /^\/(reports|profiles|speedscope)(\/.*)?$/.exec(pathname);
  if (!m) return send(res, 404, "text/plain", "not found");
  const folder = roots[m[1] as "reports" | "profiles" | "speedscope"];
  const rel = (m[2] ?? "/").replace(/^\/+/, "");
  const file = safeJoin(folder, rel === "" && m[1] === "speedscope" ? "index.html" : rel);
  if (!file) return send(res, 403, "text/plain", "outside the served folders");
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return send(res, 404, "text/plain", "not found");
  }
  if (stat.isDirectory()) return send(res, 200, TYPES[".html"]!, directoryPage(pathname, file, roots.base));
  res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "content-length": stat.size, "cache-control": "no-store", "x-content-type-options": "nosniff" });
  if (req.method === "HEAD") return void res.end();
  fs.createReadStream(file).pipe(res);
}

/** The resolved path if it stays inside `base` (also through symlinks), else null. */
export function safeJoin(base: string, rel: string): string | null {
  if (rel.includes("\0")) return null;
  const target = path.resolve(base, rel);
  if (target !== base && !target.startsWith(base + path.sep)) return null;
  try {
    const real = fs.realpathSync(target);
    const realBase = fs.realpathSync(base);
    if (real !== realBase && !real.startsWith(realBase + path.sep)) return null;
  } catch {
    // Does not exist (yet): the lexical check above is what counts; the caller answers 404.
  }
  return target;
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff" }).end(body);
}

interface RunEntry {
  id: string;
  name: string;
  state: string;
  startedAt: string;
  configurations: number;
  report: boolean;
  profiles: Array<{ label: string; href: string; kind: string }>;
}

function runEntries(roots: Roots): RunEntry[] {
  return listRuns(roots.reports).map(({ id, manifest, hasReport }) => ({
    id,
    name: manifest?.name ?? id,
    state: manifest?.state ?? "unreadable manifest",
    startedAt: manifest?.startedAt ?? "",
    configurations: manifest?.configurations.length ?? 0,
    report: hasReport,
    profiles: listProfiles(roots.profiles, id, roots.base),
  }));
}

function listProfiles(profilesRoot: string, runId: string, base: string): RunEntry["profiles"] {
  const dir = path.join(profilesRoot, runId);
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
  const out: RunEntry["profiles"] = [];
  for (const n of names) {
    const href = `${base}profiles/${encodeURIComponent(runId)}/${encodeURIComponent(n)}`;
    if (n.endsWith(".0x") && fs.existsSync(path.join(dir, n, "flamegraph.html"))) out.push({ label: n.replace(/\.0x$/, ""), href: `${href}/flamegraph.html`, kind: "flamegraph" });
    else if (n.endsWith(".cpuprofile") || n.endsWith(".heapprofile")) {
      out.push({ label: n, href: `${base}speedscope/index.html#profileURL=${encodeURIComponent(href)}&title=${encodeURIComponent(n)}`, kind: n.endsWith(".cpuprofile") ? "cpu profile" : "heap profile" });
    }
  }
  return out;
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d2733}h1{font-size:1.4rem}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #e3e7ec;vertical-align:top}th{background:#f4f6f8}
a{color:#0b62c4}code{background:#f4f6f8;padding:0 .25rem}.state-completed{color:#1a7f37}.state-errored{color:#b42318}.state-interrupted{color:#b54708}
ul{margin:0;padding-left:1.1rem}small{color:#5b6775}`;

function indexPage(roots: Roots): string {
  const runs = runEntries(roots);
  const rows = runs
    .map((r) => {
      const profiles = r.profiles.length
        ? `<ul>${r.profiles.map((p) => `<li><a href="${p.href}">${escapeHtml(p.label)}</a> <small>${p.kind}</small></li>`).join("")}</ul>`
        : "<small>none</small>";
      return `<tr class="run"><td><strong>${escapeHtml(r.name)}</strong><br><small>${escapeHtml(r.id)}</small></td><td class="state-${escapeHtml(r.state)}">${escapeHtml(r.state)}</td><td>${escapeHtml(r.startedAt.replace("T", " ").slice(0, 19))}</td><td>${r.configurations}</td>
<td>${r.report ? `<a href="${roots.base}reports/${encodeURIComponent(r.id)}/report.html">report</a> · ` : ""}<a href="${roots.base}reports/${encodeURIComponent(r.id)}/">files</a></td><td>${profiles}</td></tr>`;
    })
    .join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>kafka-perf-lab · runs</title><link rel="icon" href="data:,"><style>${STYLE}</style></head><body>
<h1>kafka-perf-lab · runs</h1>
<p><small>reports: <code>${escapeHtml(roots.reports)}</code> · profiles: <code>${escapeHtml(roots.profiles)}</code> · CPU and heap profiles open in speedscope (offline)</small></p>
${runs.length ? `<table><thead><tr><th>run</th><th>state</th><th>started</th><th>configs</th><th>report</th><th>flamegraphs &amp; profiles</th></tr></thead><tbody>${rows}</tbody></table>` : "<p>No runs yet: <code>npx perflab run examples/quickstart.yaml</code></p>"}
</body></html>`;
}

function directoryPage(urlPath: string, dir: string, prefix: string): string {
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  const base = prefix + (urlPath.endsWith("/") ? urlPath : `${urlPath}/`).replace(/^\//, "");
  const items = entries.map((e) => `<li><a href="${base}${encodeURIComponent(e.name)}${e.isDirectory() ? "/" : ""}">${escapeHtml(e.name)}${e.isDirectory() ? "/" : ""}</a></li>`).join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(urlPath)}</title><style>${STYLE}</style></head><body><p><a href="${prefix}">all runs</a></p><h1>${escapeHtml(urlPath)}</h1><ul>${items}</ul></body></html>`;
}
