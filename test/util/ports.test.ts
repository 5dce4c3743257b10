// test-kind: unit
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { ephemeralLow, findFreeBase, portFree } from "../../src/util/ports";

test("a free port layout is found below the kernel's ephemeral range, every port of it free", async () => {
  const layout = (b: number) => [b, b + 1, b + 2, b + 3];
  for (let i = 0; i < 5; i++) {
    const base = await findFreeBase(layout);
    assert.ok(base !== null && base >= 20000 && base + 3 < ephemeralLow(), `base ${base}, ephemeral range from ${ephemeralLow()}`);
    for (const p of layout(base)) assert.equal(await portFree(p, "127.0.0.1"), true);
  }
});

test("a layout that includes a port in use is never returned", async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1" }, resolve));
  const held = (server.address() as net.AddressInfo).port;
  try {
    assert.equal(await portFree(held, "127.0.0.1"), false);
    assert.equal(await findFreeBase(() => [held]), null);
  } finally {
    server.close();
  }
});
