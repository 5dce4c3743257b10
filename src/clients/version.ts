import fs from "node:fs";
import path from "node:path";

/**
 * The installed version of a client package, from its package.json, without loading the package: every run's
 * manifest records each client's version, and loading @platformatic/kafka to ask costs ~0.5 CPU-s (it compiles
 * its ajv schemas; measured on Node 20 here). Some packages do not export their package.json, so it is read
 * from the nearest folder above the resolved entry that holds the package's own.
 */
export function installedVersion(name: string): string {
  const entry = require.resolve(name);
  for (let dir = path.dirname(entry); ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === name && typeof pkg.version === "string") return pkg.version;
    }
    if (path.dirname(dir) === dir) throw new Error(`no package.json of ${name} above ${entry}`);
  }
}
