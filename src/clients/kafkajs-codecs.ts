import { CompressionCodecs, CompressionTypes } from "kafkajs";
import SnappyCodec from "kafkajs-snappy";
import * as lz4 from "lz4js";
import { InputError } from "../errors";

import { COMPRESSIONS } from "./types";

/**
 * kafkajs ships GZIP only; Snappy and LZ4 need codecs registered on its global table. Both here are pure
 * JS (snappyjs via kafkajs-snappy; lz4js for LZ4 blocks), so nothing is compiled at install. ZSTD has no
 * pure-JS compressor on npm: it is refused with a clear error.
 */
let registered = false;
export function registerCodecs(): void {
  if (registered) return;
  CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec;
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    async compress(encoder: { buffer: Buffer }) {
      return lz4Frame(encoder.buffer);
    },
    async decompress(buffer: Buffer) {
      return Buffer.from(lz4.decompress(buffer));
    },
  });
  registered = true;
}

const xxh32: { hash(seed: number, src: Uint8Array, index: number, length: number): number } = require("lz4js/xxh32");
const MAGIC = 0x184d2204;
const BLOCK_MAX = 4 * 1024 * 1024; // BD code 7
const HASH_SIZE = 1 << 16;

/**
 * An LZ4 frame the Kafka broker accepts. lz4js's own `compress` writes frames flagged "dependent blocks",
 * which Kafka rejects ("Dependent block stream is unsupported"); so the frame is assembled here around
 * lz4js's block compressor, one fresh hash table per block (independent blocks), FLG 0x60, BD 0x70.
 * Hand-written because no pure-JS LZ4 package on npm emits Kafka-compatible frames.
 */
export function lz4Frame(src: Buffer): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(7);
  header.writeUInt32LE(MAGIC, 0);
  header[4] = 0x60; // version 01, block independence
  header[5] = 7 << 4; // max block size 4 MB
  header[6] = (xxh32.hash(0, header, 4, 2) >> 8) & 0xff;
  parts.push(header);
  const block = lz4.makeBuffer(lz4.compressBound(Math.min(src.length, BLOCK_MAX)));
  for (let offset = 0; offset < src.length; offset += BLOCK_MAX) {
    const size = Math.min(BLOCK_MAX, src.length - offset);
    const size32 = Buffer.alloc(4);
    const n = lz4.compressBlock(src, block, offset, size, new Uint32Array(HASH_SIZE));
    if (n === 0 || n >= size) {
      size32.writeUInt32LE((0x80000000 | size) >>> 0, 0); // stored uncompressed
      parts.push(size32, src.subarray(offset, offset + size));
    } else {
      size32.writeUInt32LE(n, 0);
      parts.push(size32, Buffer.from(block.subarray(0, n)));
    }
  }
  parts.push(Buffer.alloc(4)); // end mark
  return Buffer.concat(parts);
}

export function compressionType(name: string): CompressionTypes {
  switch (name) {
    case "none":
      return CompressionTypes.None;
    case "gzip":
      return CompressionTypes.GZIP;
    case "snappy":
      return CompressionTypes.Snappy;
    case "lz4":
      return CompressionTypes.LZ4;
    case "zstd":
      throw new InputError("BAD_COMPRESSION", "compression zstd needs a native codec that kafkajs cannot load here: use none, gzip, snappy or lz4", { field: "compression" });
    default:
      throw new InputError("BAD_COMPRESSION", `compression must be one of ${COMPRESSIONS.join(", ")} (got "${name}")`, { field: "compression" });
  }
}
