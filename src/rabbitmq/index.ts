export {
  amqpUrlOf,
  embeddedRabbitStatus,
  findRabbitServer,
  managementGet,
  queueCounts,
  rabbitPaths,
  readRabbitState,
  startEmbeddedRabbitMQ,
  stopEmbeddedRabbitMQ,
  type RabbitState,
  type RabbitStatus,
  type StartRabbitOptions,
} from "./embedded";
