import type amqp from "amqplib";
import { InputError, PerfLabError } from "../errors";
import { Secret } from "../util/secret";
import { withTimeout } from "../util/timeout";

/** Environment variables for an external RabbitMQ: its URL, and the credentials kept out of it. */
export const RABBIT_ENV = { url: "PERFLAB_RABBITMQ_URL", username: "PERFLAB_RABBITMQ_USERNAME", password: "PERFLAB_RABBITMQ_PASSWORD" } as const;

/** How to reach a RabbitMQ node: URL without credentials, and the credentials as Secrets (never printed). */
export interface RabbitConnection {
  protocol: "amqp" | "amqps";
  hostname: string;
  port: number;
  vhost: string;
  username: Secret | null;
  password: Secret | null;
  /** Where the settings came from (for messages): "embedded", "env", "cli". */
  source: string;
}

/**
 * An external RabbitMQ from its URL (`amqp://host[:port][/vhost]` or `amqps://…`): the user name may be in
 * the URL or in PERFLAB_RABBITMQ_USERNAME, the password only in PERFLAB_RABBITMQ_PASSWORD — a URL that
 * carries a password is refused, since URLs end up in shell history, logs and run manifests.
 */
export function rabbitConnection(url: string, source = "cli", env: NodeJS.ProcessEnv = process.env): RabbitConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InputError("BAD_URL", `url: "${url.replace(/\/\/[^@/]*@/, "//***@")}" is not a URL (expected amqp://host[:port][/vhost] or amqps://…)`, { field: "url" });
  }
  const protocol = u.protocol.replace(/:$/, "");
  if (protocol !== "amqp" && protocol !== "amqps") throw new InputError("BAD_URL", `url: must start with amqp:// or amqps:// (got ${protocol}://)`, { field: "url" });
  if (u.password) throw new InputError("SECRET_IN_URL", `url: put the password in ${RABBIT_ENV.password}, not in the URL (it would show in shell history, logs and manifests)`, { field: "url" });
  if (!u.hostname) throw new InputError("BAD_URL", "url: names no host", { field: "url" });
  const username = decodeURIComponent(u.username) || env[RABBIT_ENV.username] || "";
  const password = env[RABBIT_ENV.password] ?? "";
  return {
    protocol,
    hostname: u.hostname.replace(/^\[|\]$/g, ""),
    port: u.port ? Number(u.port) : protocol === "amqps" ? 5671 : 5672,
    vhost: u.pathname && u.pathname !== "/" ? decodeURIComponent(u.pathname.slice(1)) : "/",
    username: username ? new Secret(username) : null,
    password: password ? new Secret(password) : null,
    source,
  };
}

/** The external RabbitMQ of PERFLAB_RABBITMQ_URL, or null when it is not set. */
export function rabbitConnectionFromEnv(env: NodeJS.ProcessEnv = process.env): RabbitConnection | null {
  const url = env[RABBIT_ENV.url];
  return url ? rabbitConnection(url, "env", env) : null;
}

/** The node's address for messages: protocol, host, port and vhost — never a credential. */
export function describeRabbit(c: RabbitConnection): string {
  return `${c.protocol}://${c.hostname.includes(":") ? `[${c.hostname}]` : c.hostname}:${c.port}/${c.vhost === "/" ? "" : encodeURIComponent(c.vhost)}`;
}

/** amqplib's connect options (the only place the credentials are revealed). */
export function amqpOptions(c: RabbitConnection): amqp.Options.Connect {
  return { protocol: c.protocol, hostname: c.hostname, port: c.port, vhost: c.vhost, username: c.username?.reveal() ?? "guest", password: c.password?.reveal() ?? "guest", heartbeat: 10 };
}

/**
 * Open an AMQP connection, or fail with one line: RABBITMQ_AUTH_FAILED (the login was refused: check
 * the credentials' variables) or RABBITMQ_UNREACHABLE (nothing answers, TLS failed, or no answer within
 * `timeoutMs`) — both exit 2, and neither shows a credential.
 */
export async function connectRabbitMQ(c: RabbitConnection, timeoutMs = 10_000): Promise<amqp.ChannelModel> {
  const where = describeRabbit(c);
  // amqplib is loaded when a connection is opened: every role process imports this module, Kafka roles never connect.
  const { connect } = require("amqplib") as typeof import("amqplib");
  const pending = connect(amqpOptions(c), { timeout: timeoutMs });
  try {
    return await withTimeout(pending, timeoutMs + 1000, `RabbitMQ at ${where} to answer`);
  } catch (err) {
    pending.then((conn) => conn.close()).catch(() => {}); // a connection that opens after the timeout is closed
    const text = (err as Error)?.message ?? String(err);
    if (/ACCESS_REFUSED|403|authentication|PLAIN login refused/i.test(text)) {
      const user = c.username ? `user ${c.username.reveal()}` : "the default user guest";
      throw new PerfLabError("RABBITMQ_AUTH_FAILED", `RabbitMQ at ${where} refused the login of ${user}: check ${RABBIT_ENV.username} and ${RABBIT_ENV.password}`, { exitCode: 2, cause: err });
    }
    const code = (err as NodeJS.ErrnoException)?.code;
    throw new PerfLabError("RABBITMQ_UNREACHABLE", `cannot reach RabbitMQ at ${where} (${c.source}): ${code ?? text.split("\n")[0]}`, { exitCode: 2, cause: err });
  }
}

/** Connect, read what the node says it is, disconnect: the product and version of a reachable node. */
export async function checkRabbitMQ(c: RabbitConnection, timeoutMs = 10_000): Promise<{ product: string; version: string }> {
  const conn = await connectRabbitMQ(c, timeoutMs);
  try {
    const props = (conn as unknown as { connection: { serverProperties?: Record<string, unknown> } }).connection.serverProperties ?? {};
    return { product: String(props.product ?? "RabbitMQ"), version: String(props.version ?? "?") };
  } finally {
    await conn.close().catch(() => {});
  }
}

/** A RabbitMQ connection as a role process gets it: no credentials (they travel by env, see rabbitForChild). */
export interface ChildRabbitConnection {
  broker: "rabbitmq";
  protocol: RabbitConnection["protocol"];
  hostname: string;
  port: number;
  vhost: string;
  source: string;
}

/** The settings a role process gets, and the env vars that carry the credentials to it. */
export function rabbitForChild(c: RabbitConnection): { settings: ChildRabbitConnection; env: Record<string, string> } {
  const env: Record<string, string> = {};
  if (c.username) env[RABBIT_ENV.username] = c.username.reveal();
  if (c.password) env[RABBIT_ENV.password] = c.password.reveal();
  return { settings: { broker: "rabbitmq", protocol: c.protocol, hostname: c.hostname, port: c.port, vhost: c.vhost, source: c.source }, env };
}

export function rabbitFromChild(c: ChildRabbitConnection, env: NodeJS.ProcessEnv = process.env): RabbitConnection {
  const username = env[RABBIT_ENV.username];
  const password = env[RABBIT_ENV.password];
  return { protocol: c.protocol, hostname: c.hostname, port: c.port, vhost: c.vhost, username: username ? new Secret(username) : null, password: password ? new Secret(password) : null, source: c.source };
}
