import type amqp from "amqplib";
import { connectRabbitMQ, type RabbitConnection } from "./connection";

/**
 * The runner's own AMQP connection to a node: declares and deletes the per-repetition queues and reads a
 * queue's depth (messages ready, consumers) — AMQP's passive declare answers at once, where the management
 * API's figures are up to its statistics interval old. Reopened after a broker fault closed it.
 */
export class RabbitAdmin {
  private model: amqp.ChannelModel | null = null;
  private channel: amqp.Channel | null = null;

  constructor(private readonly conn: RabbitConnection) {}

  private async ch(): Promise<amqp.Channel> {
    if (this.channel) return this.channel;
    if (!this.model) {
      const model = await connectRabbitMQ(this.conn);
      model.on("error", () => undefined);
      model.on("close", () => {
        if (this.model !== model) return;
        this.model = null;
        this.channel = null;
      });
      this.model = model;
    }
    const ch = await this.model.createChannel();
    ch.on("error", () => undefined); // a refused operation closes the channel; the next call opens another
    ch.on("close", () => {
      if (this.channel === ch) this.channel = null;
    });
    this.channel = ch;
    return ch;
  }

  /** A durable classic queue (its messages survive a broker restart when published persistent). */
  async declareQueue(name: string): Promise<void> {
    await (await this.ch()).assertQueue(name, { durable: true, arguments: { "x-queue-type": "classic" } });
  }

  async deleteQueues(names: string[]): Promise<void> {
    for (const n of names) await (await this.ch()).deleteQueue(n);
  }

  /** Messages ready for delivery and consumers of a queue, as the broker says now. */
  async depth(name: string): Promise<{ ready: number; consumers: number }> {
    const q = await (await this.ch()).checkQueue(name);
    return { ready: q.messageCount, consumers: q.consumerCount };
  }

  async close(): Promise<void> {
    const model = this.model;
    this.model = null;
    this.channel = null;
    await model?.close().catch(() => undefined); // already closed by the broker
  }
}
