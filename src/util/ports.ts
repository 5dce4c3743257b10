import fs from "node:fs";
import net from "node:net";

/** True if `port` on `host` can be bound right now. */
export function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Lowest local port the kernel hands to outgoing connections (Linux's ip_local_port_range; else IANA's 49152). */
export function ephemeralLow(): number {
  try {
    const low = Number(fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    if (low > 0) return low;
  } catch {
    // not Linux
  }
  return 49152;
}

/**
 * A base port where every port of `layout(base)` is free (random search, 50 tries), or null. The search stays
 * below the ephemeral range where it can: a port found free there (or one `listen(0)` hands out) can be taken
 * by any outgoing connection in the seconds before the server binds it (seen here: "Address already in use"
 * starting a second 3-broker cluster beside a CPU hog). `layout` gives the ports of a base (base + offsets).
 */
export async function findFreeBase(layout: (base: number) => number[], host = "127.0.0.1"): Promise<number | null> {
  const top = ephemeralLow() - Math.max(...layout(0)) - 1;
  const [from, range] = top >= 21000 ? [20000, top - 20000] : [20000, 30000];
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = from + Math.floor(Math.random() * range);
    let ok = true;
    for (const p of layout(base)) if (!(await portFree(p, host))) ok = false;
    if (ok) return base;
  }
  return null;
}
