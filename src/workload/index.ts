export { InstrumentedProducer, createInstrumentedProducer, type InstrumentedProducerOptions, type OutgoingMessage, type Acks } from "./producer";
export { InstrumentedConsumer, createInstrumentedConsumer, type InstrumentedConsumerOptions, type ConsumedMessage, type MessageHandler, type CommitStrategy, type ConsumeMode } from "./consumer";
export { ProducerMetrics, ConsumerMetrics, type ProducerSnapshot, type ConsumerSnapshot } from "./metrics";
export { Instrumentation, Events, type InstrumentationEvent, type Listener } from "./instrumentation";
export { roleContext, type RoleContext } from "./context";
export { syntheticMessages, makePayload, burnCpu, type PayloadKind, type KeyStrategy, type SyntheticWorkload } from "./payload";
export { COMPRESSIONS, type Compression } from "./codecs";
export { LAB_HEADER, readLabHeader, encodeLabHeader, type LabHeader } from "./headers";
