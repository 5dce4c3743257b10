export {
  amqpUrlOf,
  embeddedRabbitStatus,
  findRabbitServer,
  managementGet,
  queueCounts,
  rabbitPaths,
  readRabbitState,
  signalRabbitNode,
  startEmbeddedRabbitMQ,
  startRabbitNode,
  stopRabbitNode,
  stopEmbeddedRabbitMQ,
  syncRabbitMetadata,
  type RabbitState,
  type RabbitStatus,
  type StartRabbitOptions,
} from "./embedded";
export { RABBIT_ENV, checkRabbitMQ, connectRabbitMQ, describeRabbit, rabbitConnection, rabbitConnectionFromEnv, rabbitForChild, rabbitFromChild, type ChildRabbitConnection, type RabbitConnection } from "./connection";
export { RabbitAdmin } from "./queues";
