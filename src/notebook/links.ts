import path from "node:path";
import { profilesDir, reportsDir } from "../paths";
import { escapeHtml } from "../report/escape";
import { runProfiles } from "../profiling/run-profiles";

export interface RunLink {
  label: string;
  kind: "report" | "flamegraph" | "cpu profile" | "heap profile";
  /** A link through the Jupyter server (`…/perflab/…`), or null outside `npm run lab`. */
  href: string | null;
  /** The file on disk. */
  file: string;
}

/** The URL path of a file under reports/ or profiles/ as `perflab view` serves it, or null if it is elsewhere. */
function servedPath(file: string): string | null {
  for (const [prefix, root] of [["reports", reportsDir()], ["profiles", profilesDir()]] as const) {
    const abs = path.resolve(file);
    if (abs.startsWith(root + path.sep)) return `${prefix}/${path.relative(root, abs).split(path.sep).map(encodeURIComponent).join("/")}`;
  }
  return null;
}

/**
 * The report, flamegraphs and profiles of a run as links through the Jupyter server that runs this kernel:
 * `npm run lab` serves `perflab view` under `<base>/perflab/` (jupyter-server-proxy) and tells the kernel
 * its base URL (PERFLAB_JUPYTER_BASE_URL), so the links work wherever JupyterLab's own port is reachable.
 */
export function runLinks(runDir: string, env: NodeJS.ProcessEnv = process.env): RunLink[] {
  const base = env.PERFLAB_JUPYTER_BASE_URL ? `${env.PERFLAB_JUPYTER_BASE_URL.replace(/\/?$/, "/")}perflab/` : null;
  const link = (file: string, viewer = false): string | null => {
    const p = servedPath(file);
    if (!base || !p) return null;
    return viewer ? `${base}speedscope/index.html#profileURL=${encodeURIComponent(base + p)}&title=${encodeURIComponent(path.basename(file))}` : base + p;
  };
  const out: RunLink[] = [{ label: `report of ${path.basename(runDir)}`, kind: "report", file: path.join(runDir, "report.html"), href: link(path.join(runDir, "report.html")) }];
  for (const p of runProfiles(runDir)) {
    const who = `${p.roleId} (${p.configId})`;
    if (p.flamegraph) out.push({ label: `flamegraph of ${who}`, kind: "flamegraph", file: p.flamegraph, href: link(p.flamegraph) });
    if (p.cpuprofile) out.push({ label: `CPU profile of ${who} in speedscope`, kind: "cpu profile", file: p.cpuprofile, href: link(p.cpuprofile, true) });
    if (p.heapprofile) out.push({ label: `heap profile of ${who} in speedscope`, kind: "heap profile", file: p.heapprofile, href: link(p.heapprofile, true) });
  }
  return out;
}

/** runLinks as HTML: links that open in a new tab, or the `npx perflab view` command where no Jupyter server serves them. */
export function runLinksHtml(links: RunLink[]): string {
  const items = links.map((l) =>
    l.href
      ? `<li><a href="${escapeHtml(l.href)}" target="_blank" rel="noopener" class="plab-link" data-kind="${l.kind}">${escapeHtml(l.label)}</a></li>`
      : `<li>${escapeHtml(l.label)}: <code>npx perflab view ${escapeHtml(path.relative(process.cwd(), l.file) || l.file)}</code></li>`,
  );
  return `<ul class="plab-links">${items.join("")}</ul>`;
}
