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
 * A fake Gemini API: `POST /v1beta/models/{model}:streamGenerateContent?alt=sse` (and
 * `:generateContent`), SSE `data:` frames of GenerateContentResponse (candidates, usageMetadata,
 * finishReason STOP on the last) and `{"error":{code,message,status}}` bodies.
 */

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const CALL = /^\/v1beta\/models\/([^/:]+):(streamGenerateContent|generateContent)$/;

/** The model named in a Gemini call's path. */
export function geminiModelOf(request: RecordedRequest): string | undefined {
  return CALL.exec(request.path)?.[1];
}

export function googleProtocol(): Protocol {
  return {
    basePath: '/v1beta',
    isModelCall: (request: RecordedRequest) => request.method === 'POST' && CALL.test(request.path),
    errorBody(status: number, error: FakeError) {
      return {
        error: {
          code: status,
          message: error.message,
          status: error.type ?? STATUS_NAMES[status] ?? 'UNKNOWN',
        },
      };
    },
    reply(reply, request) {
      const modelVersion = geminiModelOf(request) ?? 'unknown';
      const responseId = `fake${request.receivedAt}`;
      const finishReason = reply.finishReason ?? 'STOP';
      const finalUsage = {
        promptTokenCount: reply.usage.inputTokens,
        candidatesTokenCount: reply.usage.outputTokens,
        totalTokenCount: reply.usage.inputTokens + reply.usage.outputTokens,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: reply.usage.inputTokens }],
      };
      const response = (text: string, last: boolean) => ({
        candidates: [
          {
            content: { parts: [{ text }], role: 'model' },
            ...(last ? { finishReason } : {}),
            index: 0,
          },
        ],
        // Like Gemini: every chunk reports the prompt; the last one the full counts.
        usageMetadata: last
          ? finalUsage
          : { promptTokenCount: reply.usage.inputTokens, totalTokenCount: reply.usage.inputTokens },
        modelVersion,
        responseId,
      });
      if (!request.path.endsWith(':streamGenerateContent')) {
        return { json: response(reply.chunks.join(''), true) };
      }
      const chunks = reply.chunks.length > 0 ? reply.chunks : [''];
      const frames: Frame[] = chunks.map((text, i) => ({
        data: sse(response(text, i === chunks.length - 1)),
        text: true,
      }));
      return { contentType: 'text/event-stream', frames };
    },
  };
}

/** Start a fake Gemini server on 127.0.0.1; `fake.baseURL` is what GOOGLE_GENERATIVE_AI_BASE_URL should be. */
export function startFakeGoogle(): Promise<FakeServer> {
  return startFakeServer(googleProtocol());
}
