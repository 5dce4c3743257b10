/**
 * kafka-perf-lab: measure and explain the performance of Kafka producer and consumer applications.
 * This is the public face used by notebooks (`import { … } from "kafka-perf-lab"`) and user code — a
 * deliberate surface, documented in the README's API section (a test compiles that section against it).
 * Internals (role processes, the control channel, collectors, writers) are not exported.
 */

import { watchKernelParent } from "./notebook/kernel-parent";

// Errors and where things are
export { PerfLabError, InputError, SetupError, ClusterError, TimeoutError, errorMessage } from "./errors";
export { workspaceRoot, stateDir, reportsDir, profilesDir } from "./paths";

// Kafka: the embedded cluster, external clusters, topics
export {
  EmbeddedKafka,
  startEmbeddedKafka,
  ensureEmbeddedKafka,
  findEmbeddedKafka,
  stopEmbeddedKafka,
  embeddedKafkaStatus,
  embeddedConnection,
  connectionFromEnv,
  loadKafkaConfigFile,
  Secret,
  withAdmin,
  createTopic,
  deleteTopics,
  describeTopic,
  roundTrip,
  type StartEmbeddedKafkaOptions,
  type ClusterStatus,
  type BrokerStatus,
  type KafkaConnection,
  type SecurityProtocol,
  type TopicSpec,
  type TopicDescription,
  type RoundTripResult,
  type ReceivedMessage,
} from "./kafka";

// RabbitMQ (the embedded node)
export { startEmbeddedRabbitMQ, stopEmbeddedRabbitMQ, embeddedRabbitStatus, queueCounts, amqpUrlOf, rabbitConnection, type RabbitConnection, type RabbitState, type RabbitStatus } from "./rabbitmq";

// Experiments
export { runExperiment, type RunOptions, type RunResult } from "./run";
export { ExperimentRun, type RunEvents, type ProgressState, type EngineOptions } from "./experiment";
export { loadSpec, validateSpec, SpecError, type ExperimentSpec, type SpecInput, type Configuration, type ValidatedSpec, type SpecIssue } from "./spec";

// Your code under measurement: instrumented clients, role context, payloads
export {
  InstrumentedProducer,
  InstrumentedConsumer,
  createInstrumentedProducer,
  createInstrumentedConsumer,
  roleContext,
  Events,
  LAB_HEADER,
  readLabHeader,
  burnCpu,
  ensureBuilt,
  producerAudit,
  ProducerAudit,
  type AuditedMessage,
  type InstrumentedProducerOptions,
  type InstrumentedConsumerOptions,
  type OutgoingMessage,
  type ConsumedMessage,
  type MessageHandler,
  type RoleContext,
  type Acks,
  type CommitStrategy,
  type ConsumeMode,
  type Compression,
  type InstrumentationEvent,
  type LabHeader,
  type IdCarrier,
} from "./workload";

// Kafka clients: settings for your own clients, and the adapter interface a new client implements
export { clientNames, kafkajsConfig, platformaticOptions, partitionForKey, type ClientName, type ClientAdapter, type ProducerClient, type ConsumerClient, type WireMessage, type ReceivedRecord } from "./clients";

// Results of a run
export {
  loadRun,
  readManifest,
  warmRows,
  isWarm,
  computeStatistics,
  compareSamples,
  madOutliers,
  REP_METRICS,
  type RunData,
  type Manifest,
  type RepRow,
  type SummaryRow,
  type Accounting,
  type RepRecord,
  type RunState,
  type Statistics,
  type Comparison,
} from "./results";

// Analysis: series, DataFrames, summaries
export {
  seriesOf,
  latencyOf,
  faultMarkers,
  lostMessagesOf,
  latencyOfRep,
  partitionDistribution,
  statsFrame,
  topFrame,
  repetitionFrame,
  passFrame,
  allocationFrame,
  gcPauseFrame,
  categoryFrame,
  diffFrame,
  frameRows,
  configLabel,
  runFrames,
  toDataFrame,
  functionFrame,
  latencySamplesFrame,
  danfojs,
  runSummaryText,
  configurationSummary,
  type SeriesLine,
  type FaultMarker,
  type Distribution,
  type RunFrames,
} from "./analysis";

// Profiles
export {
  runFunctionTable,
  runCallTree,
  runAllocationTable,
  runProfiles,
  runGcPauses,
  functionTable,
  readCpuProfile,
  topFunctions,
  timeByCategory,
  diffTables,
  YOUR_CODE,
  type FunctionTable,
  type FunctionRow,
  type Category,
  type RankBy,
  type CallTree,
  type DiffRow,
  type ProfileDiff,
  type AllocationRow,
  type RoleProfiles,
} from "./profiling";

// Figures, notebooks, reports
export {
  throughputFigure,
  lagFigure,
  lostFigure,
  distributionFigure,
  percentileFigure,
  latencyHistogramFigure,
  repetitionsFigure,
  coldWarmFigure,
  tradeoffFigure,
  topFunctionsFigure,
  icicleFigure,
  sunburstFigure,
  diffFigure,
  memoryFigure,
  allocationFigure,
  type Figure,
} from "./viz";
export { setupNotebook, notebookParams, show, showTable, showHtml, showMarkdown, showFrame, showRunSummary, showStats, showAccounting, showLinks, runLinks, type RunLink, type NotebookParams } from "./notebook";
export { writeRunReport, buildRunReport, executeNotebooks } from "./report";

// Loaded in a notebook: the kernel exits when its Jupyter server is gone, so nothing it started outlives it.
watchKernelParent();
