// test-kind: unit
// An external RabbitMQ by URL: what the URL may say, where the credentials come from, and that no
// message, JSON or inspect output ever shows the password.
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { describeRabbit, rabbitConnection, rabbitConnectionFromEnv } from "../../src/rabbitmq/connection";
import { InputError } from "../../src/errors";

test("rabbitConnection: host, port, vhost and TLS from the URL; user from the URL or the environment; password only from the environment", () => {
  const env = { PERFLAB_RABBITMQ_USERNAME: "alice", PERFLAB_RABBITMQ_PASSWORD: "s3cret-Pw-4b1d" };
  const c = rabbitConnection("amqps://rabbit.example.com/orders%2Feu", "cli", env);
  assert.deepEqual([c.protocol, c.hostname, c.port, c.vhost], ["amqps", "rabbit.example.com", 5671, "orders/eu"]);
  assert.equal(c.username?.reveal(), "alice");
  assert.equal(c.password?.reveal(), "s3cret-Pw-4b1d");
  assert.equal(describeRabbit(c), "amqps://rabbit.example.com:5671/orders%2Feu");
  const shown = [JSON.stringify(c), inspect(c, { depth: 5 }), String(c.password), describeRabbit(c)].join("\n");
  assert.ok(!shown.includes("s3cret-Pw-4b1d"), "the password is never shown");
  const d = rabbitConnection("amqp://bob@10.0.0.7:5673/", "cli", env);
  assert.deepEqual([d.protocol, d.hostname, d.port, d.vhost, d.username?.reveal()], ["amqp", "10.0.0.7", 5673, "/", "bob"]);
  const guest = rabbitConnection("amqp://localhost", "cli", {});
  assert.deepEqual([guest.port, guest.vhost, guest.username, guest.password], [5672, "/", null, null]);
  assert.equal(rabbitConnectionFromEnv({}), null);
  assert.equal(rabbitConnectionFromEnv({ PERFLAB_RABBITMQ_URL: "amqp://h:1" })?.source, "env");
});

test("rabbitConnection refuses a password in the URL, another scheme and a non-URL, with one line naming the field and no secret", () => {
  const cases: Array<[string, RegExp]> = [
    ["amqp://alice:Pl4in-Pw-77@host/", /^url: put the password in PERFLAB_RABBITMQ_PASSWORD, not in the URL/],
    ["http://host:15672", /^url: must start with amqp:\/\/ or amqps:\/\/ \(got http:\/\/\)$/],
    ["rabbit.example.com", /^url: "rabbit.example.com" is not a URL \(expected amqp:\/\/host\[:port\]\[\/vhost\] or amqps:\/\/…\)$/],
  ];
  for (const [url, re] of cases) {
    assert.throws(() => rabbitConnection(url, "cli", {}), (err: unknown) => {
      assert.ok(err instanceof InputError, url);
      assert.equal(err.exitCode, 2);
      assert.match(err.message, re);
      assert.ok(!err.message.includes("Pl4in-Pw-77"));
      assert.equal(err.message.split("\n").length, 1);
      return true;
    });
  }
});
