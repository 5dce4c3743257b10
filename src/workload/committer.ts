import type { ConsumerClient } from "../clients/types";
import { monoMs } from "../metrics/clock";
import type { ConsumerMetrics } from "./consumer-metrics";
import { Events, type Instrumentation } from "./instrumentation";

export type CommitStrategy = "auto" | "per-message" | "after-flush";

/**
 * The lab's offset commits, by strategy. Every commit waits until the receipt journal is safe (flushed to
 * the runner), so a consumer killed right after a commit has left the record of what it received.
 * - "auto": every processed offset, periodically (as the Java client's auto commit) and on stop;
 * - "per-message": after each message is processed;
 * - "after-flush": only offsets processed before a successful `flush()` of the handler (a sink that
 *   persists in the background loses nothing in a crash).
 * A handler's `flush()` runs every `flushIntervalMs` with every strategy; only "after-flush" ties the
 * commits to it.
 */
export class Committer {
  private timer: NodeJS.Timeout | null = null;
  private pending: Promise<void> | null = null;
  private running = false;
  /** "after-flush": processed since the last flush, "topic:partition" → next offset. */
  private uncommitted = new Map<string, number>();
  private readonly committed = new Map<string, number>();

  constructor(
    private readonly strategy: CommitStrategy,
    private readonly client: ConsumerClient,
    private readonly metrics: ConsumerMetrics,
    private readonly events: Instrumentation,
    private readonly opts: { flush?: () => Promise<void> | void; flushIntervalMs: number; autoCommitIntervalMs: number },
  ) {}

  start(): void {
    this.running = true;
    this.client.onCommitWanted?.(() => this.commitSoon());
    if (this.strategy !== "per-message") this.schedule();
    // With other strategies the handler still flushes on its own schedule — only the commits do not wait for it.
    if (this.strategy !== "after-flush" && this.opts.flush) this.scheduleFlush();
  }

  private flushTimer: NodeJS.Timeout | null = null;

  private scheduleFlush(): void {
    this.flushTimer = setTimeout(() => {
      const t0 = monoMs();
      void Promise.resolve()
        .then(() => this.opts.flush!())
        .then(
          () => {
            this.metrics.flushes++;
            this.events.emit(Events.CONSUMER_FLUSH, { ok: true, partitions: 0, durationUs: (monoMs() - t0) * 1000 });
          },
          (err) => this.metrics.onProcessingError(err),
        )
        .finally(() => {
          if (this.running) this.scheduleFlush();
        });
    }, this.opts.flushIntervalMs);
  }

  /** A message was processed; per-message commits it now (the returned promise), after-flush remembers it. */
  processed(topic: string, partition: number, offset: number): void | Promise<void> {
    if (this.strategy === "auto") return; // the periodic commit reads the positions
    if (this.strategy === "per-message") {
      const commit = () =>
        this.client.commit([{ topic, partition, offset: offset + 1 }]).then(() => {
          this.metrics.commits++;
          this.metrics.onCommitted(this.key(topic, partition), offset + 1);
        });
      return this.metrics.journal ? this.metrics.journal.flush().then(commit) : commit();
    }
    this.uncommitted.set(this.key(topic, partition), offset + 1);
  }

  private readonly keys = new Map<string, string[]>();

  /** "topic:partition", built once per partition (not per message). */
  private key(topic: string, partition: number): string {
    let arr = this.keys.get(topic);
    if (!arr) this.keys.set(topic, (arr = []));
    return (arr[partition] ??= `${topic}:${partition}`);
  }

  private early: Promise<void> | null = null;

  /** The client's window is filling up: "auto" commits what was processed now (once at a time). */
  private commitSoon(): void {
    if (this.strategy !== "auto" || !this.running || this.pending || this.early) return;
    this.early = this.commitPositions()
      .catch((err) => this.metrics.onProcessingError(err))
      .finally(() => (this.early = null));
  }

  private schedule(): void {
    const interval = this.strategy === "after-flush" ? this.opts.flushIntervalMs : this.opts.autoCommitIntervalMs;
    this.timer = setTimeout(() => {
      const work = this.strategy === "after-flush" ? this.flushAndCommit() : this.commitPositions().catch((err) => this.metrics.onProcessingError(err)); // a failed periodic commit is retried next period
      this.pending = work.finally(() => {
        this.pending = null;
        if (this.running) this.schedule();
      });
    }, interval);
  }

  /** Commit every processed offset not committed yet (the journal first). */
  private async commitPositions(): Promise<void> {
    const changed = [...this.metrics.positions].filter(([k, v]) => this.committed.get(k) !== v);
    if (changed.length === 0) return;
    await this.metrics.journal?.flush();
    await this.client.commit(changed.map(([k, offset]) => ({ ...splitKey(k), offset })));
    for (const [k, v] of changed) {
      this.committed.set(k, v);
      this.metrics.onCommitted(k, v);
    }
    this.metrics.commits++;
  }

  /** Flush the handler's state, then commit exactly the offsets processed before the flush began. */
  async flushAndCommit(): Promise<void> {
    const snapshot = this.uncommitted;
    this.uncommitted = new Map();
    const t0 = monoMs();
    try {
      await this.opts.flush?.();
    } catch (err) {
      // Nothing was persisted: keep the offsets uncommitted (merged back, newer positions win).
      for (const [k, v] of snapshot) if (!this.uncommitted.has(k)) this.uncommitted.set(k, v);
      this.metrics.onProcessingError(err);
      this.events.emit(Events.CONSUMER_FLUSH, { ok: false, error: (err as Error)?.message });
      return;
    }
    this.metrics.flushes++;
    if (snapshot.size > 0) {
      await this.metrics.journal?.flush();
      await this.client.commit([...snapshot].map(([k, offset]) => ({ ...splitKey(k), offset })));
      for (const [k, offset] of snapshot) this.metrics.onCommitted(k, offset);
      this.metrics.commits++;
    }
    this.events.emit(Events.CONSUMER_FLUSH, { ok: true, partitions: snapshot.size, durationUs: (monoMs() - t0) * 1000 });
  }

  /**
   * Before leaving the group: with "after-flush", flush and commit what was processed; with "auto", commit
   * every processed offset (as the Java client commits on close). A failing final commit is counted as an
   * error, not thrown: its messages will simply be redelivered.
   */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.pending) await this.pending;
    if (this.early) await this.early;
    try {
      if (this.strategy === "after-flush") await this.flushAndCommit();
      else if (this.strategy === "auto") await this.commitPositions();
    } catch (err) {
      this.metrics.onProcessingError(err);
    }
  }
}

function splitKey(k: string): { topic: string; partition: number } {
  const i = k.lastIndexOf(":");
  return { topic: k.slice(0, i), partition: Number(k.slice(i + 1)) };
}
