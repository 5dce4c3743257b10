export {
  EmbeddedKafka,
  startEmbeddedKafka,
  ensureEmbeddedKafka,
  findEmbeddedKafka,
  stopEmbeddedKafka,
  embeddedKafkaStatus,
  stopBroker,
  startBroker,
  validateBrokerCount,
  findFreeBase,
  DEFAULT_BASE_PORT,
  MAX_BROKERS,
  type StartEmbeddedKafkaOptions,
  type ClusterStatus,
  type BrokerStatus,
  type BrokerRunState,
} from "./embedded";
export { findJava, parseJavaMajor, type JavaInfo } from "./java";
export { ensureKafkaJars, kafkaJarsDir, kafkaJarsReady, kafkaVersion } from "./jars";
export { ensureClassArchives } from "./class-archive-training";
export { classArchivesDir } from "./class-archive";
export { brokerProperties, brokerPorts, type SaslMechanism } from "./broker-config";
export { registeredBrokerIds } from "./probe";
export {
  Secret,
  resolveKafkaConnection,
  embeddedConnection,
  connectionFromEnv,
  connectionFromSettings,
  loadKafkaConfigFile,
  kafkaClientConfig,
  describeConnection,
  connectionForChild,
  connectionFromChild,
  KAFKA_ENV,
  type KafkaConnection,
  type ExternalKafkaSettings,
  type SecurityProtocol,
  type ChildConnection,
} from "./connection";
export { withAdmin, createTopic, deleteTopics, describeTopic, validateTopicName, labKafka, unreachable, type TopicSpec, type TopicDescription } from "./admin";
export { fileLogCreator } from "./logging";
export { roundTrip, type RoundTripResult, type ReceivedMessage } from "./roundtrip";
