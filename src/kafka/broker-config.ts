/** Pure: the server.properties of one embedded KRaft node (combined broker + controller). */

export type SaslMechanism = "plain" | "scram-sha-256" | "scram-sha-512";

export interface BrokerPorts {
  id: number;
  /** Client listener (PLAINTEXT, or SASL_PLAINTEXT when the cluster has users). */
  port: number;
  controllerPort: number;
  /** Inter-broker PLAINTEXT listener; only when the client listener uses SASL. */
  internalPort: number | null;
}

export interface BrokerConfigInput {
  self: BrokerPorts;
  all: BrokerPorts[];
  host: string;
  dataDir: string;
  /** SASL users (name → password) served on the client listener with PLAIN and SCRAM-SHA-256/512. */
  saslUsers?: Record<string, string> | null;
  /** Extra broker settings; they win over the lab's defaults. */
  overrides?: Record<string, string | number | boolean>;
}

/** Port layout for `count` brokers from `basePort`: clients base.., controllers base+100.., internal base+200... */
export function brokerPorts(count: number, basePort: number, withInternal: boolean): BrokerPorts[] {
  return Array.from({ length: count }, (_, k) => ({
    id: k + 1,
    port: basePort + k,
    controllerPort: basePort + 100 + k,
    internalPort: withInternal ? basePort + 200 + k : null,
  }));
}

/** All ports the layout uses, for the "port already in use" check. */
export function allPorts(ports: BrokerPorts[]): Array<{ port: number; brokerId: number; listener: string }> {
  return ports.flatMap((b) => [
    { port: b.port, brokerId: b.id, listener: "client" },
    { port: b.controllerPort, brokerId: b.id, listener: "controller" },
    ...(b.internalPort === null ? [] : [{ port: b.internalPort, brokerId: b.id, listener: "internal" }]),
  ]);
}

export function brokerProperties(input: BrokerConfigInput): string {
  const { self, all, host } = input;
  const n = all.length;
  const sasl = input.saslUsers && Object.keys(input.saslUsers).length > 0;
  const replicas = Math.min(3, n);
  const minIsr = Math.min(2, n);
  const listeners = [`CLIENT://${host}:${self.port}`, `CONTROLLER://${host}:${self.controllerPort}`];
  const advertised = [`CLIENT://${host}:${self.port}`];
  if (sasl) {
    listeners.push(`INTERNAL://${host}:${self.internalPort}`);
    advertised.push(`INTERNAL://${host}:${self.internalPort}`);
  }
  const props: Record<string, string | number | boolean> = {
    "process.roles": "broker,controller",
    "node.id": self.id,
    "controller.quorum.voters": all.map((b) => `${b.id}@${host}:${b.controllerPort}`).join(","),
    "controller.listener.names": "CONTROLLER",
    listeners: listeners.join(","),
    "advertised.listeners": advertised.join(","),
    "listener.security.protocol.map": `CLIENT:${sasl ? "SASL_PLAINTEXT" : "PLAINTEXT"},CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT`,
    "inter.broker.listener.name": sasl ? "INTERNAL" : "CLIENT",
    "log.dirs": input.dataDir,
    "num.partitions": 1,
    "default.replication.factor": 1,
    "offsets.topic.replication.factor": replicas,
    // Fewer internal partitions: group coordinators load faster on a 2-core machine.
    "offsets.topic.num.partitions": 10,
    "transaction.state.log.replication.factor": replicas,
    "transaction.state.log.min.isr": minIsr,
    "transaction.state.log.num.partitions": 5,
    "share.coordinator.state.topic.replication.factor": replicas,
    "share.coordinator.state.topic.min.isr": minIsr,
    // A lab wants consumer groups to form at once, not after the production default of 3 s.
    "group.initial.rebalance.delay.ms": 0,
    "auto.create.topics.enable": true,
    "delete.topic.enable": true,
    // Thread pools sized for a small machine running up to three brokers next to the clients under test.
    "num.network.threads": 2,
    "num.io.threads": 4,
    "background.threads": 4,
    "num.recovery.threads.per.data.dir": 1,
    "log.cleaner.threads": 1,
  };
  if (sasl) {
    const users = Object.entries(input.saslUsers!)
      .map(([u, p]) => `user_${u}="${p}"`)
      .join(" ");
    props["sasl.enabled.mechanisms"] = "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512";
    props["listener.name.client.plain.sasl.jaas.config"] = `org.apache.kafka.common.security.plain.PlainLoginModule required ${users};`;
    props["listener.name.client.scram-sha-256.sasl.jaas.config"] = "org.apache.kafka.common.security.scram.ScramLoginModule required;";
    props["listener.name.client.scram-sha-512.sasl.jaas.config"] = "org.apache.kafka.common.security.scram.ScramLoginModule required;";
  }
  Object.assign(props, input.overrides ?? {});
  return (
    Object.entries(props)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join("\n") + "\n"
  );
}

/** StorageTool arguments that add SCRAM credentials at format time (KRaft stores them in metadata). */
export function scramFormatArgs(users: Record<string, string> | null | undefined): string[] {
  if (!users) return [];
  return Object.entries(users).flatMap(([name, password]) =>
    ["SCRAM-SHA-256", "SCRAM-SHA-512"].flatMap((mech) => ["--add-scram", `${mech}=[name=${name},password=${password}]`]),
  );
}

/** A Kafka cluster id: 16 random bytes, base64url without padding (Kafka's Uuid text form). */
export function newClusterId(randomBytes: (n: number) => Buffer): string {
  return randomBytes(16).toString("base64url");
}
