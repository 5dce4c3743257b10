import seedrandom from "seedrandom";
import type { OutgoingMessage } from "./producer";

export type PayloadKind = "random" | "text" | "json" | "zeros";
export type KeyStrategy = "none" | "random" | "round-robin" | "fixed";

export interface SyntheticWorkload {
  messageSize: number;
  payload: PayloadKind;
  keys: KeyStrategy;
  keyCount: number;
  seed: number;
}

const POOL = 64;
const WORDS = "kafka broker topic partition offset consumer producer latency throughput batch linger acks replica leader commit lag".split(" ");

/**
 * Synthetic messages: a pool of 64 pre-built payloads of the configured size and kind (so generating a
 * message costs nothing measurable), keys by strategy, all from a seeded generator: the same spec gives
 * the same messages. "random" bytes do not compress; "text" and "json" compress like real data; "zeros"
 * compress to nothing.
 */
export function syntheticMessages(w: SyntheticWorkload, producerIndex: number): (i: number) => OutgoingMessage {
  const rng = seedrandom(`${w.seed}:${producerIndex}`);
  const payloads = Array.from({ length: POOL }, () => makePayload(w.payload, w.messageSize, rng));
  const keyOf = keyFunction(w.keys, w.keyCount, rng, producerIndex);
  return (i) => ({ key: keyOf(i), value: payloads[i % POOL]! });
}

export function makePayload(kind: PayloadKind, size: number, rng: () => number): Buffer {
  switch (kind) {
    case "zeros":
      return Buffer.alloc(size);
    case "random": {
      const b = Buffer.allocUnsafe(size);
      for (let i = 0; i < size; i++) b[i] = Math.floor(rng() * 256);
      return b;
    }
    case "text": {
      let s = "";
      while (s.length < size) s += WORDS[Math.floor(rng() * WORDS.length)] + " ";
      return Buffer.from(s.slice(0, size));
    }
    case "json": {
      const head = JSON.stringify({ id: Math.floor(rng() * 1e9), ts: 1_700_000_000_000 + Math.floor(rng() * 1e9), user: `user-${Math.floor(rng() * 1e5)}`, pad: "" });
      if (head.length >= size) return Buffer.from(head);
      let pad = "";
      while (pad.length < size - head.length) pad += WORDS[Math.floor(rng() * WORDS.length)] + " ";
      return Buffer.from(head.replace('"pad":""', `"pad":"${pad.slice(0, size - head.length)}"`));
    }
  }
}

function keyFunction(strategy: KeyStrategy, keyCount: number, rng: () => number, producerIndex: number): (i: number) => string | null {
  switch (strategy) {
    case "none":
      return () => null;
    case "round-robin":
      return (i) => `key-${(i + producerIndex) % keyCount}`;
    case "fixed": {
      const keys = Array.from({ length: keyCount }, (_, k) => `key-${k}`);
      return () => keys[Math.floor(rng() * keyCount)]!;
    }
    case "random":
      return () => Math.floor(rng() * 2 ** 48).toString(36);
  }
}

/** Busy-wait for `us` microseconds: the "CPU work" processing kind (blocks the event loop like real work). */
export function burnCpu(us: number): void {
  if (us <= 0) return;
  const end = performance.now() + us / 1000;
  while (performance.now() < end) {
    // spin
  }
}
