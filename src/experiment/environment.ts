import os from "node:os";
import { spawnSync } from "node:child_process";
import { packageRoot, workspaceRoot } from "../paths";
import { clientAdapter, clientNames } from "../clients";
import type { Environment } from "../results/model";

/** Where and with what a run was measured: enough to tell two runs' machines and versions apart. */
export function collectEnvironment(kafkaVersion: string | null, broker: "kafka" | "rabbitmq" = "kafka"): Environment {
  const cpus = os.cpus();
  return {
    lab: { name: "kafka-perf-lab", version: pkgVersion(packageRoot) },
    node: process.version,
    v8: process.versions.v8,
    clients: Object.fromEntries(clientNames().map((c) => [c, clientVersion(c)])),
    kafka: broker === "rabbitmq" ? "none (a RabbitMQ run)" : (kafkaVersion ?? "unknown (external cluster)"),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: { model: cpus[0]?.model ?? "unknown", cores: cpus.length, speedMHz: cpus[0]?.speed ?? null },
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: os.loadavg(),
    git: gitInfo(workspaceRoot()),
  };
}

/** The installed version of a client the lab drives (every manifest records them all). */
function clientVersion(name: string): string {
  try {
    return clientAdapter(name).version();
  } catch {
    return "not installed"; // not fatal: the manifest says so
  }
}

function pkgVersion(dir: string): string {
  try {
    return require(`${dir.replace(/\/$/, "")}/package.json`).version;
  } catch {
    return "unknown"; // not fatal: the manifest says so
  }
}

function gitInfo(dir: string): { sha: string | null; dirty: boolean | null } {
  const sha = spawnSync("git", ["rev-parse", "HEAD"], { cwd: dir, encoding: "utf8", timeout: 5000 });
  if (sha.status !== 0) return { sha: null, dirty: null };
  const status = spawnSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: dir, encoding: "utf8", timeout: 5000 });
  return { sha: sha.stdout.trim(), dirty: status.status === 0 ? status.stdout.trim().length > 0 : null };
}
