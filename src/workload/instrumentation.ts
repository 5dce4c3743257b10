/**
 * The instrumented clients' events: the lab's one event bus (util/events.ts) — one shape
 * `{ id, type, timestamp, payload }` as kafkajs's own, listeners that cannot break the producer or
 * consumer they observe, and `on()` returning an unsubscribe function.
 */
import { EventBus, type LabEvent } from "../util/events";

export type InstrumentationEvent<P = unknown> = LabEvent<string, P>;

export class Instrumentation {
  private readonly bus = new EventBus<Record<string, unknown>>();

  /** Subscribe to one event type ("*" for all). Returns the unsubscribe function. */
  on<P = unknown>(type: string, listener: (event: InstrumentationEvent<P>) => void): () => void {
    return this.bus.on(type, listener as (e: LabEvent<string, unknown>) => void);
  }

  /** True if anyone listens to `type`: emitters skip building payloads nobody reads. */
  has(type: string): boolean {
    return this.bus.has(type);
  }

  emit<P>(type: string, payload: P): void {
    this.bus.emit(type, payload);
  }
}

/** Event types emitted by the instrumented producer and consumer. Start/end pairs share a payload plus `durationUs`. */
export const Events = {
  PRODUCER_BATCH_START: "producer.batch.start",
  PRODUCER_BATCH_END: "producer.batch.end",
  PRODUCER_BATCH_ERROR: "producer.batch.error",
  CONSUMER_MESSAGE: "consumer.message",
  CONSUMER_GROUP_JOIN: "consumer.group.join",
  CONSUMER_REBALANCING: "consumer.rebalancing",
  CONSUMER_COMMIT: "consumer.commit",
  CONSUMER_FLUSH: "consumer.flush",
  CONSUMER_CRASH: "consumer.crash",
  CONSUMER_PROCESSING_ERROR: "consumer.processing.error",
} as const;
