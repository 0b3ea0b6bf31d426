import type { FinishReason } from 'ai';
import type { ResponsesOutputItemDto } from '../../shared/openai-schemas.js';
import type { TokenUsage } from './completion-service.js';
import type { OpenAIApiError } from './errors.js';
import {
  functionCallItem,
  functionCallItemId,
  type ItemStatus,
  incompleteReason,
  messageItem,
  messageItemId,
  outputText,
  type ResponseMeta,
  responseObject,
} from './responses-objects.js';
import type { ResponsesCall } from './responses-request.js';
import type { ToolCallEvent } from './tool-calls.js';

/**
 * A streamed Responses answer: SSE with an `event:` line per event and OpenAI's sequence.
 *
 *   response.created, response.in_progress
 *   per text run:  output_item.added (message), content_part.added, output_text.delta...,
 *                  output_text.done, content_part.done, output_item.done
 *   per tool call: output_item.added (function_call), function_call_arguments.delta...,
 *                  function_call_arguments.done, output_item.done
 *   response.completed | response.incomplete   (or error + response.failed)
 *
 * Every event carries `sequence_number`, counted from 0. The openai SDK's stream helpers and the
 * AI SDK's responses parser both rebuild the response from these events, so each item is opened
 * before its deltas and closed with its full content.
 */

interface OpenMessage {
  outputIndex: number;
  id: string;
  text: string;
}

interface OpenCall {
  outputIndex: number;
  itemId: string;
  id: string;
  name: string;
  text: string;
}

export class ResponsesEventWriter {
  private sequence = 0;
  private readonly output: ResponsesOutputItemDto[] = [];
  private message: OpenMessage | undefined;
  private readonly calls = new Map<number, OpenCall>();

  constructor(
    private readonly meta: ResponseMeta,
    private readonly call: ResponsesCall,
    private readonly write: (chunk: string) => Promise<void>,
  ) {}

  private send(type: string, payload: object): Promise<void> {
    const event = { type, ...payload, sequence_number: this.sequence++ };
    return this.write(`event: ${type}\ndata: ${JSON.stringify(event)}\n\n`);
  }

  async begin(): Promise<void> {
    const response = responseObject(this.meta, this.call, { status: 'in_progress', output: [], usage: null });
    await this.send('response.created', { response });
    await this.send('response.in_progress', { response });
  }

  private async openMessage(): Promise<OpenMessage> {
    if (this.message) return this.message;
    const message = { outputIndex: this.output.length, id: messageItemId(), text: '' };
    this.message = message;
    const item = messageItem(message.id, undefined, 'in_progress');
    this.output.push(item);
    await this.send('response.output_item.added', { output_index: message.outputIndex, item });
    await this.send('response.content_part.added', {
      item_id: message.id,
      output_index: message.outputIndex,
      content_index: 0,
      part: outputText(''),
    });
    return message;
  }

  private async closeMessage(status: ItemStatus): Promise<void> {
    const message = this.message;
    if (!message) return;
    this.message = undefined;
    const where = { item_id: message.id, output_index: message.outputIndex, content_index: 0 };
    await this.send('response.output_text.done', { ...where, text: message.text, logprobs: [] });
    await this.send('response.content_part.done', { ...where, part: outputText(message.text) });
    const item = messageItem(message.id, message.text, status);
    this.output[message.outputIndex] = item;
    await this.send('response.output_item.done', { output_index: message.outputIndex, item });
  }

  async text(delta: string): Promise<void> {
    const message = await this.openMessage();
    message.text += delta;
    await this.send('response.output_text.delta', {
      item_id: message.id,
      output_index: message.outputIndex,
      content_index: 0,
      delta,
      logprobs: [],
    });
  }

  async toolCall(event: ToolCallEvent): Promise<void> {
    if (event.type === 'start') {
      // Text before a call is its own finished message item.
      await this.closeMessage('completed');
      const open: OpenCall = {
        outputIndex: this.output.length,
        itemId: functionCallItemId(),
        id: event.id,
        name: event.name,
        text: '',
      };
      this.calls.set(event.index, open);
      const item = functionCallItem(open.itemId, { ...open, arguments: '' }, 'in_progress');
      this.output.push(item);
      await this.send('response.output_item.added', { output_index: open.outputIndex, item });
      return;
    }
    const open = this.calls.get(event.index);
    if (!open) return;
    const where = { item_id: open.itemId, output_index: open.outputIndex };
    if (event.type === 'delta') {
      open.text += event.delta;
      await this.send('response.function_call_arguments.delta', { ...where, delta: event.delta });
      return;
    }
    await this.send('response.function_call_arguments.done', {
      ...where,
      name: open.name,
      arguments: event.arguments,
    });
    const item = functionCallItem(open.itemId, { ...open, arguments: event.arguments }, 'completed');
    this.output[open.outputIndex] = item;
    await this.send('response.output_item.done', { output_index: open.outputIndex, item });
  }

  /** The end: `response.completed`, or `response.incomplete` when the token limit cut it. */
  async complete(finishReason: FinishReason | null, usage: TokenUsage): Promise<void> {
    const incomplete = incompleteReason(finishReason);
    // A reply with neither text nor calls is still one (empty) message, as the non-streamed answer.
    if (this.output.length === 0) await this.openMessage();
    await this.closeMessage(incomplete ? 'incomplete' : 'completed');
    const response = responseObject(this.meta, this.call, {
      status: incomplete ? 'incomplete' : 'completed',
      output: this.output,
      usage,
      incomplete,
    });
    await this.send(incomplete ? 'response.incomplete' : 'response.completed', { response });
  }

  /** A failure after the stream began: an `error` event, then `response.failed`. */
  async fail(error: OpenAIApiError, usage: TokenUsage): Promise<void> {
    const code = error.code ?? 'server_error';
    await this.send('error', { code, message: error.message, param: error.param });
    const response = responseObject(this.meta, this.call, {
      status: 'failed',
      output: this.output,
      usage,
      error: { code, message: error.message },
    });
    await this.send('response.failed', { response });
  }
}
