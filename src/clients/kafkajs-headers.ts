/**
 * A faster record-header encoder for kafkajs 2.x, producing the same bytes.
 *
 * Why by hand: kafkajs encodes each record header with a fresh `Encoder` (a zero-filled 512-byte buffer)
 * and writes every varint through `Buffer.from([...])` — about 1.4 µs per header, a quarter of encoding a
 * 100-byte record (profiled with `perflab profile table`). The lab puts one header on every message, so that
 * cost lands in every measurement. This encoder writes the same varint-prefixed key and value into one
 * pooled buffer. It is installed into the module cache before kafkajs loads its record encoder, and only
 * then (when kafkajs was loaded first, nothing changes). test/workload/kafkajs-headers.test.ts checks the
 * bytes against kafkajs's own Encoder.
 */
import Module from "node:module";
import path from "node:path";

type HeaderValue = Buffer | string | null | undefined;

/** What kafkajs's record encoder needs from a header: an Encoder-like `{ buf, buffer }`. */
export interface EncodedHeader {
  buf: Buffer;
  buffer: Buffer;
}

/** Size of a zigzag varint (kafkajs `writeVarInt`, 32-bit). */
function varIntSize(value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  let n = 1;
  while (v >= 0x80) {
    v >>>= 7;
    n++;
  }
  return n;
}

function writeVarInt(b: Buffer, offset: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v >= 0x80) {
    b[offset++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  b[offset++] = v;
  return offset;
}

/** One header as kafkajs's `header/v0` encodes it: varint key length, key, varint value length, value (-1: null). */
export function encodeHeader({ key, value }: { key: string | null; value: HeaderValue }): EncodedHeader {
  const keyLen = key === null || key === undefined ? -1 : Buffer.byteLength(key, "utf8");
  let valueText: string | null = null;
  let valueLen = -1;
  if (value !== null && value !== undefined) {
    if (Buffer.isBuffer(value)) valueLen = value.length;
    else {
      valueText = String(value);
      valueLen = Buffer.byteLength(valueText, "utf8");
    }
  }
  const b = Buffer.allocUnsafe(varIntSize(keyLen) + Math.max(keyLen, 0) + varIntSize(valueLen) + Math.max(valueLen, 0));
  let o = writeVarInt(b, 0, keyLen);
  if (keyLen > 0) o += b.write(key!, o, keyLen, "utf8");
  o = writeVarInt(b, o, valueLen);
  if (valueLen > 0) {
    if (valueText !== null) b.write(valueText, o, valueLen, "utf8");
    else (value as Buffer).copy(b, o);
  }
  return { buf: b, buffer: b };
}

/** Install `encodeHeader` as kafkajs's header encoder. False when kafkajs's record encoder was already loaded. */
export function installHeaderEncoder(): boolean {
  let root: string;
  try {
    root = path.dirname(require.resolve("kafkajs/package.json"));
  } catch {
    return false; // kafkajs not resolvable from here: nothing to speed up
  }
  const headerFile = path.join(root, "src", "protocol", "recordBatch", "header", "v0", "index.js");
  const recordFile = path.join(root, "src", "protocol", "recordBatch", "record", "v0", "index.js");
  const cache = require.cache;
  if (cache[headerFile]?.exports === encodeHeader) return true;
  if (cache[recordFile]) return false; // it holds the original already
  const m = new Module(headerFile, module);
  m.filename = headerFile;
  m.loaded = true;
  m.exports = encodeHeader;
  cache[headerFile] = m;
  return true;
}

installHeaderEncoder();
