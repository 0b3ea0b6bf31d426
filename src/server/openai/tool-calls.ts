/**
 * The model's tool calls as they stream, in the order both OpenAI APIs report them: a call is
 * opened (its index, id and name), its arguments arrive as JSON fragments, and it is closed with
 * the whole arguments text. Providers differ: most stream the arguments (`tool-input-*` parts),
 * some give only the finished call; a finished call that was never opened is opened, filled and
 * closed at once, so the client always sees the same sequence.
 */

export type ToolCallEvent =
  | { type: 'start'; index: number; id: string; name: string }
  | { type: 'delta'; index: number; id: string; delta: string }
  | { type: 'done'; index: number; id: string; name: string; arguments: string };

/** A finished call, as the answers report it. */
export interface ToolCallResult {
  id: string;
  name: string;
  /** JSON text: the fragments as they streamed, or the provider's input serialized. */
  arguments: string;
}

interface OpenCall {
  index: number;
  name: string;
  text: string;
  done: boolean;
}

export class ToolCallTracker {
  private readonly calls = new Map<string, OpenCall>();
  readonly finished: ToolCallResult[] = [];

  constructor(private readonly emit: (event: ToolCallEvent) => Promise<void> | void = () => {}) {}

  private async open(id: string, name: string): Promise<OpenCall> {
    const existing = this.calls.get(id);
    if (existing) return existing;
    const call: OpenCall = { index: this.calls.size, name, text: '', done: false };
    this.calls.set(id, call);
    await this.emit({ type: 'start', index: call.index, id, name });
    return call;
  }

  start(id: string, name: string): Promise<unknown> {
    return this.open(id, name);
  }

  async delta(id: string, delta: string): Promise<void> {
    const call = this.calls.get(id);
    if (!call || call.done || delta === '') return;
    call.text += delta;
    await this.emit({ type: 'delta', index: call.index, id, delta });
  }

  /** The finished call; `input` is the provider's (parsed JSON, or the raw text when it did not parse). */
  async finish(id: string, name: string, input: unknown): Promise<void> {
    const call = await this.open(id, name);
    if (call.done) return;
    if (call.text === '') {
      const text = typeof input === 'string' ? input : JSON.stringify(input ?? {});
      await this.delta(id, text);
    }
    call.done = true;
    this.finished.push({ id, name: call.name, arguments: call.text });
    await this.emit({ type: 'done', index: call.index, id, name: call.name, arguments: call.text });
  }
}
