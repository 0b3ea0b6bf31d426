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
 * A fake OpenAI Chat Completions server: `POST {basePath}/chat/completions`, SSE chunks of
 * `chat.completion.chunk`, a usage chunk when `stream_options.include_usage` is set, `data: [DONE]`,
 * and `{"error":{message,type,param,code}}` bodies. A reply with `reasoning` sends it first as
 * `reasoning_content` deltas, as DeepSeek and vLLM's reasoning parsers do. Reuse it for fault tests:
 *
 *   const fake = await startFakeOpenAI();
 *   fake.enqueue({ status: 429, headers: { 'retry-after': '1' } });   // first call
 *   fake.script({ chunks: ['Hi'], usage: { inputTokens: 3, outputTokens: 1 } }); // every later call
 *   // point OPENAI_BASE_URL (or createOpenAI({ baseURL })) at fake.baseURL; inspect fake.calls
 */

export interface FakeOpenAIOptions {
  /** Where the API lives; `/v1` like api.openai.com, something else for a generic compatible server. */
  basePath?: string;
}

const ERROR_TYPES: Record<number, { type: string; code: string | null }> = {
  400: { type: 'invalid_request_error', code: null },
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory' },
  404: { type: 'invalid_request_error', code: 'model_not_found' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
  500: { type: 'server_error', code: null },
  503: { type: 'server_error', code: null },
};

export function openaiProtocol(basePath = '/v1'): Protocol {
  return {
    basePath,
    isModelCall: (request: RecordedRequest) =>
      request.method === 'POST' && request.path === `${basePath}/chat/completions`,
    errorBody(status: number, error: FakeError) {
      const known = ERROR_TYPES[status] ?? {
        type: status >= 500 ? 'server_error' : 'invalid_request_error',
        code: null,
      };
      return {
        error: {
          message: error.message,
          type: error.type ?? known.type,
          param: null,
          code: error.code ?? known.code,
        },
      };
    },
    reply(reply, request) {
      const id = `chatcmpl-fake${request.receivedAt}`;
      const created = Math.floor(request.receivedAt / 1000);
      const model = String(request.body?.model ?? 'unknown');
      const usage = {
        prompt_tokens: reply.usage.inputTokens,
        completion_tokens: reply.usage.outputTokens,
        total_tokens: reply.usage.inputTokens + reply.usage.outputTokens,
      };
      const finishReason = reply.finishReason ?? 'stop';
      // Log probabilities only when asked, as OpenAI does: one entry per text chunk (a chunk is a token here).
      const wantsLogprobs = request.body?.logprobs === true;
      const logprobsOf = (texts: string[]) =>
        wantsLogprobs ? { logprobs: { content: texts.map((text) => tokenLogprob(text, request)) } } : {};
      if (request.body?.stream !== true) {
        return {
          json: {
            id,
            object: 'chat.completion',
            created,
            model,
            choices: [
              {
                index: 0,
                message: {
                  role: 'assistant',
                  content: reply.chunks.join(''),
                  ...(reply.reasoning ? { reasoning_content: reply.reasoning.join('') } : {}),
                  refusal: null,
                },
                ...logprobsOf(reply.chunks),
                finish_reason: finishReason,
              },
            ],
            usage,
          },
        };
      }
      const chunk = (choices: unknown[], extra: object = {}) => ({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        system_fingerprint: 'fp_fake',
        choices,
        ...extra,
      });
      const frames: Frame[] = [
        {
          data: sse(
            chunk([
              { index: 0, delta: { role: 'assistant', content: '', refusal: null }, finish_reason: null },
            ]),
          ),
        },
        ...(reply.reasoning ?? []).map((reasoning) => ({
          data: sse(chunk([{ index: 0, delta: { reasoning_content: reasoning }, finish_reason: null }])),
        })),
        ...reply.chunks.map((text) => ({
          data: sse(
            chunk([{ index: 0, delta: { content: text }, ...logprobsOf([text]), finish_reason: null }]),
          ),
          text: true,
        })),
        { data: sse(chunk([{ index: 0, delta: {}, finish_reason: finishReason }])) },
      ];
      if (request.body?.stream_options?.include_usage) frames.push({ data: sse(chunk([], { usage })) });
      frames.push({ data: sse('[DONE]') });
      return { contentType: 'text/event-stream; charset=utf-8', frames };
    },
  };
}

/** A token's log probability, with `top_logprobs` alternatives as many as the request asked for. */
function tokenLogprob(token: string, request: RecordedRequest) {
  const top = Number(request.body?.top_logprobs ?? 0);
  return {
    token,
    logprob: -0.25,
    bytes: [...Buffer.from(token, 'utf8')],
    top_logprobs: Array.from({ length: top }, (_, index) => ({
      token: index === 0 ? token : `${token}~${index}`,
      logprob: -0.25 * (index + 1),
      bytes: null,
    })),
  };
}

/** Start a fake OpenAI server on 127.0.0.1; `fake.baseURL` is what OPENAI_BASE_URL should be. */
export function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeServer> {
  return startFakeServer(openaiProtocol(options.basePath));
}
