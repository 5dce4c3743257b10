// Minimal declarations for untyped dependencies: only what the lab calls.
declare module "jstat" {
  export const jStat: {
    studentt: { inv(p: number, dof: number): number; cdf(x: number, dof: number): number };
    normal: { inv(p: number, mean: number, sd: number): number; cdf(x: number, mean: number, sd: number): number };
  };
}
declare module "lz4js" {
  export function compress(src: Uint8Array | number[], maxSize?: number): Uint8Array;
  export function decompress(src: Uint8Array | number[], maxSize?: number): Uint8Array;
  export function compressBound(n: number): number;
  export function makeBuffer(n: number): Uint8Array;
  export function compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number;
}
declare module "kafkajs-snappy" {
  const SnappyCodec: () => { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };
  export = SnappyCodec;
}
