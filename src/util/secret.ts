import { inspect } from "node:util";

/**
 * A credential that never shows itself: string conversion, JSON and util.inspect all print "***".
 * Only `reveal()` gives the value, and only client configs (kafkajs, amqplib) and child-process env call it.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return "***";
  }
  toJSON(): string {
    return "***";
  }
  [inspect.custom](): string {
    return "Secret(***)";
  }
}
