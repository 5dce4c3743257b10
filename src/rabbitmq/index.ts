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
export { RABBIT_ENV, checkRabbitMQ, connectRabbitMQ, describeRabbit, rabbitConnection, rabbitConnectionFromEnv, type RabbitConnection } from "./connection";
