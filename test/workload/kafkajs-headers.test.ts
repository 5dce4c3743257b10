// test-kind: unit
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeHeader, installHeaderEncoder } from "../../src/clients/kafkajs-headers";

// kafkajs's own encoder, as its header/v0 module uses it.
interface KafkajsEncoder {
  writeVarIntString(v: string | null): KafkajsEncoder;
  writeVarIntBytes(v: Buffer | string | null): KafkajsEncoder;
  buffer: Buffer;
}
const Encoder = require("kafkajs/src/protocol/encoder") as new () => KafkajsEncoder;

function kafkajsHeader(key: string | null, value: Buffer | string | null): Buffer {
  return new Encoder().writeVarIntString(key).writeVarIntBytes(value).buffer;
}

test("the header encoder writes exactly kafkajs's bytes: keys, Buffer/string/null/empty values, multi-byte varints", () => {
  const cases: Array<[string | null, Buffer | string | null]> = [
    ["plab", Buffer.from("0123456789abcdef")],
    ["k", ""],
    ["", Buffer.alloc(0)],
    ["ключ-🔑", "värde ✓"],
    ["big", Buffer.alloc(300, 7)],
    ["huge", "x".repeat(70_000)],
    ["nullable", null],
    [null, "no key"],
  ];
  for (const [key, value] of cases) {
    const ours = encodeHeader({ key, value });
    assert.ok(Buffer.isBuffer(ours.buf), "looks like a kafkajs Encoder to the record encoder");
    assert.deepEqual(ours.buffer, kafkajsHeader(key, value), `key ${JSON.stringify(key)?.slice(0, 20)}`);
  }
});

test("kafkajs's record encoder uses it once the lab is loaded", () => {
  require("../../src");
  assert.equal(installHeaderEncoder(), true);
  assert.equal(require("kafkajs/src/protocol/recordBatch/header/v0"), encodeHeader);
});
