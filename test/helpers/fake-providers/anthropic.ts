import {
  type FakeError,
  type FakeServer,
  type Frame,
  type Protocol,
  type RecordedRequest,
  sse,
  startFakeServer,
} from './fake-server.js';

/**
 * A fake Anthropic Messages API: `POST /v1/messages`, SSE with `event:` lines (message_start with
 * input tokens, content_block_start, ping, text_delta blocks, content_block_stop, message_delta with
 * output tokens and stop_reason, message_stop) and `{"type":"error","error":{type,message}}` bodies.
 * A reply with `reasoning` starts with a `thinking` block (thinking_delta, then signature_delta).
 */

/** A signature like the ones Anthropic sends for a thinking block (opaque to Parley). */
const SIGNATURE = 'EqQBCkgIARABGAIiQFakeSignatureForTests==';

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

export function anthropicProtocol(): Protocol {
  return {
    basePath: '/v1',
    isModelCall: (request: RecordedRequest) => request.method === 'POST' && request.path === '/v1/messages',
    errorBody(status: number, error: FakeError) {
      const type =
        error.type ?? ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
      return { type: 'error', error: { type, message: error.message } };
    },
    reply(reply, request) {
      const id = `msg_fake${request.receivedAt}`;
      const model = String(request.body?.model ?? 'unknown');
      const stopReason = reply.finishReason ?? 'end_turn';
      if (request.body?.stream !== true) {
        return {
          json: {
            id,
            type: 'message',
            role: 'assistant',
            model,
            content: [
              ...(reply.reasoning
                ? [{ type: 'thinking', thinking: reply.reasoning.join(''), signature: SIGNATURE }]
                : []),
              { type: 'text', text: reply.chunks.join('') },
            ],
            stop_reason: stopReason,
            stop_sequence: null,
            usage: { input_tokens: reply.usage.inputTokens, output_tokens: reply.usage.outputTokens },
          },
        };
      }
      const event = (type: string, data: object, text = false): Frame => ({
        data: sse({ type, ...data }, type),
        text,
      });
      // The thinking block, when asked for, is block 0 and the text block follows it.
      const thinking: Frame[] = reply.reasoning
        ? [
            event('content_block_start', {
              index: 0,
              content_block: { type: 'thinking', thinking: '', signature: '' },
            }),
            ...reply.reasoning.map((thinking) =>
              event('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking } }),
            ),
            event('content_block_delta', {
              index: 0,
              delta: { type: 'signature_delta', signature: SIGNATURE },
            }),
            event('content_block_stop', { index: 0 }),
          ]
        : [];
      const textIndex = thinking.length > 0 ? 1 : 0;
      const frames: Frame[] = [
        event('message_start', {
          message: {
            id,
            type: 'message',
            role: 'assistant',
            model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: {
              input_tokens: reply.usage.inputTokens,
              cache_creation_input_tokens: 0,
              cache_read_input_tokens: 0,
              output_tokens: 1,
            },
          },
        }),
        ...thinking,
        event('content_block_start', { index: textIndex, content_block: { type: 'text', text: '' } }),
        event('ping', {}),
        ...reply.chunks.map((text) =>
          event('content_block_delta', { index: textIndex, delta: { type: 'text_delta', text } }, true),
        ),
        event('content_block_stop', { index: textIndex }),
        event('message_delta', {
          delta: { stop_reason: stopReason, stop_sequence: null },
          usage: { output_tokens: reply.usage.outputTokens },
        }),
        event('message_stop', {}),
      ];
      return { contentType: 'text/event-stream; charset=utf-8', frames };
    },
  };
}

/** Start a fake Anthropic server on 127.0.0.1; `fake.baseURL` is what ANTHROPIC_BASE_URL should be. */
export function startFakeAnthropic(): Promise<FakeServer> {
  return startFakeServer(anthropicProtocol());
}
