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
 * A fake OpenAI Responses API: `POST /v1/responses`, SSE events (`response.created`,
 * `response.output_item.added`, `response.output_text.delta`, `response.output_item.done`,
 * `response.completed` with usage) and OpenAI's `{"error":{...}}` bodies. A reply with `reasoning`
 * first sends a reasoning item whose summary text streams as `response.reasoning_summary_text.delta`.
 */
export function openaiResponsesProtocol(): Protocol {
  return {
    basePath: '/v1',
    isModelCall: (request: RecordedRequest) => request.method === 'POST' && request.path === '/v1/responses',
    errorBody(status: number, error: FakeError) {
      return {
        error: {
          message: error.message,
          type: error.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error'),
          param: null,
          code: error.code ?? null,
        },
      };
    },
    reply(reply, request) {
      const id = `resp_fake${request.receivedAt}`;
      const model = String(request.body?.model ?? 'unknown');
      const usage = {
        input_tokens: reply.usage.inputTokens,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: reply.usage.outputTokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: reply.usage.inputTokens + reply.usage.outputTokens,
      };
      if (request.body?.stream !== true) {
        return {
          json: {
            id,
            object: 'response',
            created_at: Math.floor(request.receivedAt / 1000),
            model,
            status: 'completed',
            output: [
              {
                type: 'message',
                id: 'msg_fake',
                role: 'assistant',
                status: 'completed',
                content: [{ type: 'output_text', text: reply.chunks.join(''), annotations: [] }],
              },
            ],
            usage,
          },
        };
      }
      const event = (data: { type: string; [key: string]: unknown }, text = false): Frame => ({
        data: sse(data, data.type),
        text,
      });
      const reasoning: Frame[] = reply.reasoning
        ? [
            event({
              type: 'response.output_item.added',
              output_index: 0,
              item: { type: 'reasoning', id: 'rs_fake', summary: [] },
            }),
            event({
              type: 'response.reasoning_summary_part.added',
              item_id: 'rs_fake',
              output_index: 0,
              summary_index: 0,
              part: { type: 'summary_text', text: '' },
            }),
            ...reply.reasoning.map((delta) =>
              event({
                type: 'response.reasoning_summary_text.delta',
                item_id: 'rs_fake',
                output_index: 0,
                summary_index: 0,
                delta,
              }),
            ),
            event({
              type: 'response.output_item.done',
              output_index: 0,
              item: { type: 'reasoning', id: 'rs_fake', summary: [] },
            }),
          ]
        : [];
      const messageIndex = reasoning.length > 0 ? 1 : 0;
      const frames: Frame[] = [
        event({
          type: 'response.created',
          response: { id, created_at: Math.floor(request.receivedAt / 1000), model, status: 'in_progress' },
        }),
        ...reasoning,
        event({
          type: 'response.output_item.added',
          output_index: messageIndex,
          item: { type: 'message', id: 'msg_fake', role: 'assistant', status: 'in_progress', content: [] },
        }),
        ...reply.chunks.map((delta) =>
          event(
            {
              type: 'response.output_text.delta',
              item_id: 'msg_fake',
              output_index: messageIndex,
              content_index: 0,
              delta,
            },
            true,
          ),
        ),
        event({
          type: 'response.output_item.done',
          output_index: messageIndex,
          item: { type: 'message', id: 'msg_fake', role: 'assistant', status: 'completed', content: [] },
        }),
        event({
          type: 'response.completed',
          response: { id, status: 'completed', incomplete_details: null, usage },
        }),
      ];
      return { contentType: 'text/event-stream; charset=utf-8', frames };
    },
  };
}

/** Start a fake Responses API on 127.0.0.1; `fake.baseURL` is what `createOpenAI({ baseURL })` takes. */
export function startFakeOpenAIResponses(): Promise<FakeServer> {
  return startFakeServer(openaiResponsesProtocol());
}
