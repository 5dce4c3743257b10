/**
 * The lab's instrumentation events: one shape `{ id, type, timestamp, payload }` (as kafkajs's own),
 * listeners that cannot break the producer or consumer they observe (a throwing listener is logged,
 * never rethrown), and `on()` returning an unsubscribe function.
 */
export interface InstrumentationEvent<P = unknown> {
  id: number;
  type: string;
  /** performance.timeOrigin + performance.now(), epoch ms with sub-ms precision. */
  timestamp: number;
  payload: P;
}

export type Listener<P = unknown> = (event: InstrumentationEvent<P>) => void;

export class Instrumentation {
  private nextId = 0;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(private readonly onListenerError: (type: string, err: unknown) => void = defaultListenerError) {}

  /** Subscribe to one event type ("*" for all). Returns the unsubscribe function. */
  on<P = unknown>(type: string, listener: Listener<P>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener as Listener);
    return () => {
      set!.delete(listener as Listener);
    };
  }

  /** True if anyone listens to `type`: emitters skip building payloads nobody reads. */
  has(type: string): boolean {
    return (this.listeners.get(type)?.size ?? 0) > 0 || (this.listeners.get("*")?.size ?? 0) > 0;
  }

  emit<P>(type: string, payload: P): void {
    if (!this.has(type)) return;
    const event: InstrumentationEvent<P> = { id: this.nextId++, type, timestamp: performance.timeOrigin + performance.now(), payload };
    for (const key of [type, "*"]) {
      for (const l of this.listeners.get(key) ?? []) {
        try {
          l(event);
        } catch (err) {
          this.onListenerError(type, err);
        }
      }
    }
  }
}

function defaultListenerError(type: string, err: unknown): void {
  process.emitWarning(`kafka-perf-lab: a listener of "${type}" threw: ${err instanceof Error ? err.message : String(err)}`);
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
