import fs from "node:fs";
import path from "node:path";
import { logLevel, type KafkaConfig, type SASLOptions } from "kafkajs";
import { InputError } from "../errors";
import { findEmbeddedKafka } from "./embedded";
import type { SaslMechanism } from "./broker-config";

import { Secret } from "../util/secret";

export { Secret };

export type SecurityProtocol = "PLAINTEXT" | "SSL" | "SASL_PLAINTEXT" | "SASL_SSL";
const PROTOCOLS: SecurityProtocol[] = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"];
const MECHANISMS: SaslMechanism[] = ["plain", "scram-sha-256", "scram-sha-512"];

/** How to reach a Kafka cluster: the embedded one or any external bootstrap list, with optional TLS and SASL. */
export interface KafkaConnection {
  kind: "embedded" | "external";
  bootstrap: string[];
  securityProtocol: SecurityProtocol;
  sasl: { mechanism: SaslMechanism; username: Secret; password: Secret } | null;
  ssl: { caFile: string | null; rejectUnauthorized: boolean } | null;
  /** Where the settings came from (for messages and manifests): "embedded", "env", a file path, "spec". */
  source: string;
}

/** The plain settings a user writes (spec `kafka.external`, a config file, env vars). Secrets are plain strings here. */
export interface ExternalKafkaSettings {
  bootstrap: string | string[];
  securityProtocol?: string;
  sasl?: { mechanism: string; username?: string; password?: string; usernameEnv?: string; passwordEnv?: string };
  ssl?: { ca?: string; rejectUnauthorized?: boolean } | boolean;
}

/** Environment variables read for an external cluster (all optional but PERFLAB_BOOTSTRAP). */
export const KAFKA_ENV = {
  bootstrap: "PERFLAB_BOOTSTRAP",
  securityProtocol: "PERFLAB_SECURITY_PROTOCOL",
  saslMechanism: "PERFLAB_SASL_MECHANISM",
  saslUsername: "PERFLAB_SASL_USERNAME",
  saslPassword: "PERFLAB_SASL_PASSWORD",
  sslCa: "PERFLAB_SSL_CA",
  sslRejectUnauthorized: "PERFLAB_SSL_REJECT_UNAUTHORIZED",
  configFile: "PERFLAB_KAFKA_CONFIG",
} as const;

/**
 * Decide which cluster to use, in this order: an explicit config file (or PERFLAB_KAFKA_CONFIG), an
 * explicit bootstrap list, PERFLAB_BOOTSTRAP (+ security env vars), else the embedded cluster if one is up.
 * Returns null when none applies. Throws InputError naming the field or file that is wrong.
 */
export function resolveKafkaConnection(
  opts: { configFile?: string; bootstrap?: string; env?: NodeJS.ProcessEnv; stateDir?: string } = {},
): KafkaConnection | null {
  const env = opts.env ?? process.env;
  const file = opts.configFile ?? env[KAFKA_ENV.configFile];
  if (file) return loadKafkaConfigFile(file, env);
  if (opts.bootstrap) return connectionFromSettings({ bootstrap: opts.bootstrap, ...envSecurity(env) }, "cli", env);
  if (env[KAFKA_ENV.bootstrap]) return connectionFromEnv(env);
  const embedded = findEmbeddedKafka({ stateDir: opts.stateDir });
  return embedded ? embeddedConnection(embedded.bootstrap) : null;
}

export function embeddedConnection(bootstrap: string[]): KafkaConnection {
  return { kind: "embedded", bootstrap, securityProtocol: "PLAINTEXT", sasl: null, ssl: null, source: "embedded" };
}

export function connectionFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaConnection {
  const bootstrap = env[KAFKA_ENV.bootstrap];
  if (!bootstrap) throw new InputError("KAFKA_CONFIG", `${KAFKA_ENV.bootstrap} is not set`, { field: KAFKA_ENV.bootstrap });
  return connectionFromSettings({ bootstrap, ...envSecurity(env) }, "env", env);
}

function envSecurity(env: NodeJS.ProcessEnv): Omit<ExternalKafkaSettings, "bootstrap"> {
  const out: Omit<ExternalKafkaSettings, "bootstrap"> = {};
  if (env[KAFKA_ENV.securityProtocol]) out.securityProtocol = env[KAFKA_ENV.securityProtocol];
  if (env[KAFKA_ENV.saslMechanism] || env[KAFKA_ENV.saslUsername]) {
    out.sasl = { mechanism: env[KAFKA_ENV.saslMechanism] ?? "plain", usernameEnv: KAFKA_ENV.saslUsername, passwordEnv: KAFKA_ENV.saslPassword };
  }
  if (env[KAFKA_ENV.sslCa] || env[KAFKA_ENV.sslRejectUnauthorized]) {
    out.ssl = { ca: env[KAFKA_ENV.sslCa], rejectUnauthorized: env[KAFKA_ENV.sslRejectUnauthorized] !== "false" };
  }
  return out;
}

/**
 * Read a connection from a YAML/JSON file (the lab's own shape) or a Java/librdkafka client
 * `.properties` file (bootstrap.servers, security.protocol, sasl.mechanism, sasl.jaas.config or
 * sasl.username/sasl.password) — what cloud consoles hand out.
 */
export function loadKafkaConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): KafkaConnection {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new InputError("KAFKA_CONFIG", `Kafka config file ${file} not found or not readable`, { field: file });
  }
  let settings: ExternalKafkaSettings;
  if (file.endsWith(".properties")) {
    // Loaded here, not at the top: every role process imports this module and never reads a config file.
    const { parse: parseProperties } = require("dot-properties") as typeof import("dot-properties");
    settings = settingsFromProperties(parseProperties(text) as Record<string, string>, file);
  } else {
    let parsed: unknown;
    try {
      parsed = (require("yaml") as typeof import("yaml")).parse(text); // loaded here: see above
    } catch (err) {
      throw new InputError("KAFKA_CONFIG", `Kafka config file ${file} is not valid YAML/JSON: ${(err as Error).message.split("\n")[0]}`, { field: file });
    }
    if (!parsed || typeof parsed !== "object") throw new InputError("KAFKA_CONFIG", `Kafka config file ${file} must hold a mapping with "bootstrap"`, { field: file });
    settings = parsed as ExternalKafkaSettings;
  }
  const conn = connectionFromSettings(settings, path.resolve(file), env, file);
  if (conn.ssl?.caFile && !path.isAbsolute(conn.ssl.caFile)) conn.ssl.caFile = path.resolve(path.dirname(file), conn.ssl.caFile);
  return conn;
}

function settingsFromProperties(p: Record<string, string>, file: string): ExternalKafkaSettings {
  const bootstrap = p["bootstrap.servers"];
  if (!bootstrap) throw new InputError("KAFKA_CONFIG", `${file}: bootstrap.servers is missing`, { field: `${file}: bootstrap.servers` });
  const out: ExternalKafkaSettings = { bootstrap, securityProtocol: p["security.protocol"] };
  const mech = p["sasl.mechanism"] ?? p["sasl.mechanisms"];
  if (mech) {
    let username = p["sasl.username"];
    let password = p["sasl.password"];
    const jaas = p["sasl.jaas.config"];
    if (jaas) {
      username = /username\s*=\s*"([^"]*)"/.exec(jaas)?.[1] ?? username;
      password = /password\s*=\s*"([^"]*)"/.exec(jaas)?.[1] ?? password;
    }
    out.sasl = { mechanism: mech, username, password };
  }
  if (p["ssl.ca.location"] || p["ssl.truststore.location"]) out.ssl = { ca: p["ssl.ca.location"], rejectUnauthorized: true };
  return out;
}

/** Validate plain settings into a connection. `where` prefixes field names in errors (a file or "kafka.external"). */
export function connectionFromSettings(s: ExternalKafkaSettings, source: string, env: NodeJS.ProcessEnv = process.env, where = "kafka"): KafkaConnection {
  const field = (f: string) => `${where}.${f}`;
  const list = (Array.isArray(s.bootstrap) ? s.bootstrap : String(s.bootstrap ?? "").split(","))
    .map((x) => String(x).trim())
    .filter(Boolean);
  if (list.length === 0) throw new InputError("KAFKA_CONFIG", `${field("bootstrap")} is empty: give host:port[,host:port…]`, { field: field("bootstrap") });
  for (const hp of list) {
    if (!/^[^\s:]+:\d{1,5}$/.test(hp) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(hp)) {
      throw new InputError("KAFKA_CONFIG", `${field("bootstrap")}: "${hp}" is not host:port`, { field: field("bootstrap") });
    }
  }
  const hasSasl = !!s.sasl;
  const hasSsl = s.ssl !== undefined && s.ssl !== false;
  const protocol = (s.securityProtocol ?? (hasSasl ? (hasSsl ? "SASL_SSL" : "SASL_PLAINTEXT") : hasSsl ? "SSL" : "PLAINTEXT")).toUpperCase();
  if (!PROTOCOLS.includes(protocol as SecurityProtocol)) {
    throw new InputError("KAFKA_CONFIG", `${field("securityProtocol")} must be one of ${PROTOCOLS.join(", ")} (got "${s.securityProtocol}")`, { field: field("securityProtocol") });
  }
  let sasl: KafkaConnection["sasl"] = null;
  if (protocol.startsWith("SASL")) {
    if (!s.sasl) throw new InputError("KAFKA_CONFIG", `${field("sasl")} is required with securityProtocol ${protocol}`, { field: field("sasl") });
    const mechanism = String(s.sasl.mechanism ?? "").toLowerCase() as SaslMechanism;
    if (!MECHANISMS.includes(mechanism)) {
      throw new InputError("KAFKA_CONFIG", `${field("sasl.mechanism")} must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (got "${s.sasl.mechanism}")`, { field: field("sasl.mechanism") });
    }
    const username = s.sasl.username ?? (s.sasl.usernameEnv ? env[s.sasl.usernameEnv] : undefined);
    const password = s.sasl.password ?? (s.sasl.passwordEnv ? env[s.sasl.passwordEnv] : undefined);
    if (!username) throw new InputError("KAFKA_CONFIG", `${field("sasl.username")} is missing${s.sasl.usernameEnv ? ` (env ${s.sasl.usernameEnv} is empty)` : ""}`, { field: field("sasl.username") });
    if (!password) throw new InputError("KAFKA_CONFIG", `${field("sasl.password")} is missing${s.sasl.passwordEnv ? ` (env ${s.sasl.passwordEnv} is empty)` : ""}`, { field: field("sasl.password") });
    sasl = { mechanism, username: new Secret(username), password: new Secret(password) };
  } else if (s.sasl) {
    throw new InputError("KAFKA_CONFIG", `${field("sasl")} makes no sense with securityProtocol ${protocol}: use SASL_PLAINTEXT or SASL_SSL`, { field: field("sasl") });
  }
  let ssl: KafkaConnection["ssl"] = null;
  if (protocol.endsWith("SSL")) {
    const o = typeof s.ssl === "object" && s.ssl ? s.ssl : {};
    ssl = { caFile: o.ca ?? null, rejectUnauthorized: o.rejectUnauthorized ?? true };
  }
  return { kind: "external", bootstrap: list, securityProtocol: protocol as SecurityProtocol, sasl, ssl, source };
}

/** kafkajs client options for a connection. The only place (with `connectionEnv`) where secrets are revealed. */
export function kafkaClientConfig(conn: KafkaConnection, clientId: string, extra: Partial<KafkaConfig> = {}): KafkaConfig {
  const cfg: KafkaConfig = { clientId, brokers: conn.bootstrap, logLevel: logLevel.WARN, ...extra };
  if (conn.ssl) {
    cfg.ssl = conn.ssl.caFile
      ? { ca: [readCa(conn.ssl.caFile)], rejectUnauthorized: conn.ssl.rejectUnauthorized }
      : conn.ssl.rejectUnauthorized
        ? true
        : { rejectUnauthorized: false };
  }
  if (conn.sasl) {
    cfg.sasl = { mechanism: conn.sasl.mechanism, username: conn.sasl.username.reveal(), password: conn.sasl.password.reveal() } as SASLOptions;
  }
  return cfg;
}

/** The PEM text of a CA file; a missing file is one InputError naming it. */
export function readCa(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    throw new InputError("KAFKA_CONFIG", `CA file ${file} not found or not readable`, { field: "ssl.ca" });
  }
}

/** What may be written to manifests, logs and reports: no usernames, no passwords. */
export function describeConnection(conn: KafkaConnection): Record<string, unknown> {
  return {
    kind: conn.kind,
    bootstrap: conn.bootstrap,
    securityProtocol: conn.securityProtocol,
    saslMechanism: conn.sasl?.mechanism ?? null,
    credentials: conn.sasl ? "redacted" : null,
    tls: conn.ssl ? { caFile: conn.ssl.caFile, rejectUnauthorized: conn.ssl.rejectUnauthorized } : null,
    source: conn.source,
  };
}

/**
 * Hand a connection to a child process: a JSON-safe description (no secrets) plus env vars that carry
 * the credentials. The child rebuilds it with `connectionFromChild`. Secrets never touch the disk.
 */
export function connectionForChild(conn: KafkaConnection): { settings: ChildConnection; env: Record<string, string> } {
  const env: Record<string, string> = {};
  if (conn.sasl) {
    env[KAFKA_ENV.saslUsername] = conn.sasl.username.reveal();
    env[KAFKA_ENV.saslPassword] = conn.sasl.password.reveal();
  }
  return {
    settings: { kind: conn.kind, bootstrap: conn.bootstrap, securityProtocol: conn.securityProtocol, saslMechanism: conn.sasl?.mechanism ?? null, ssl: conn.ssl, source: conn.source },
    env,
  };
}

export interface ChildConnection {
  kind: KafkaConnection["kind"];
  bootstrap: string[];
  securityProtocol: SecurityProtocol;
  saslMechanism: SaslMechanism | null;
  ssl: KafkaConnection["ssl"];
  source: string;
}

export function connectionFromChild(c: ChildConnection, env: NodeJS.ProcessEnv = process.env): KafkaConnection {
  let sasl: KafkaConnection["sasl"] = null;
  if (c.saslMechanism) {
    sasl = { mechanism: c.saslMechanism, username: new Secret(env[KAFKA_ENV.saslUsername] ?? ""), password: new Secret(env[KAFKA_ENV.saslPassword] ?? "") };
  }
  return { kind: c.kind, bootstrap: c.bootstrap, securityProtocol: c.securityProtocol, sasl, ssl: c.ssl, source: c.source };
}
