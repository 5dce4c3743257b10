/**
 * Typed events with one shape `{ id, type, timestamp, payload }` (as kafkajs's instrumentation), listeners
 * that cannot break the emitter (a throwing listener is reported, never rethrown), and `on()` returning
 * its unsubscribe function. The experiment engine and the instrumented clients both emit through it.
 */
export interface LabEvent<T extends string = string, P = unknown> {
  id: number;
  type: T;
  /** performance.timeOrigin + performance.now(): epoch ms with sub-ms precision. */
  timestamp: number;
  payload: P;
}

export type Listener<E extends LabEvent> = (event: E) => void;

/** Event type → payload type. */
export type EventMap = object;

export class EventBus<M extends EventMap> {
  private nextId = 0;
  private readonly listeners = new Map<string, Set<(e: LabEvent) => void>>();
  /** Listeners of every type together: `has()` answers without a lookup while nobody listens (per-message paths ask). */
  private total = 0;

  constructor(private readonly onListenerError: (type: string, err: unknown) => void = defaultListenerError) {}

  /** Subscribe to one event type ("*" for all). Returns the unsubscribe function. */
  on<K extends keyof M & string>(type: K, listener: Listener<LabEvent<K, M[K]>>): () => void;
  on(type: "*", listener: Listener<LabEvent<keyof M & string, M[keyof M]>>): () => void;
  on(type: string, listener: (e: never) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    const l = listener as (e: LabEvent) => void;
    if (!set.has(l)) this.total++;
    set.add(l);
    return () => {
      if (set!.delete(l)) this.total--;
    };
  }

  /** True if anyone listens to `type`: emitters skip building payloads nobody reads. */
  has(type: keyof M & string): boolean {
    if (this.total === 0) return false;
    return (this.listeners.get(type)?.size ?? 0) > 0 || (this.listeners.get("*")?.size ?? 0) > 0;
  }

  emit<K extends keyof M & string>(type: K, payload: M[K]): void {
    if (!this.has(type)) return;
    const event: LabEvent<K, M[K]> = { id: this.nextId++, type, timestamp: performance.timeOrigin + performance.now(), payload };
    for (const key of [type, "*"]) {
      for (const l of [...(this.listeners.get(key) ?? [])]) {
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
