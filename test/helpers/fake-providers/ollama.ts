import {
  type FakeError,
  type FakeServer,
  type Frame,
  type Protocol,
  type RecordedRequest,
  startFakeServer,
} from './fake-server.js';

/**
 * A fake Ollama server: `GET /api/tags` lists the pulled models, `POST /api/chat` streams NDJSON
 * lines (message chunks with `done:false`, then `done:true` with done_reason, prompt_eval_count and
 * eval_count). Errors are Ollama's own `{"error":"..."}` (a string, not an object).
 */

export interface FakeOllamaOptions {
  /** Names as Ollama shows them, e.g. `llama3.2:latest`. */
  models?: string[];
}

function tag(name: string) {
  return {
    name,
    model: name,
    modified_at: '2025-01-01T00:00:00.000000000Z',
    size: 2_019_393_189,
    digest: 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72',
    details: {
      parent_model: '',
      format: 'gguf',
      family: 'llama',
      families: ['llama'],
      parameter_size: '3.2B',
      quantization_level: 'Q4_K_M',
    },
  };
}

export function ollamaProtocol(options: FakeOllamaOptions = {}): Protocol {
  const models = options.models ?? ['llama3.2:latest'];
  return {
    basePath: '',
    isModelCall: (request: RecordedRequest) => request.method === 'POST' && request.path === '/api/chat',
    route(request) {
      if (request.method === 'GET' && request.path === '/api/tags') {
        return { status: 200, body: { models: models.map(tag) } };
      }
      return undefined;
    },
    errorBody(_status: number, error: FakeError) {
      return { error: error.message };
    },
    reply(reply, request) {
      const model = String(request.body?.model ?? 'unknown');
      const createdAt = new Date(request.receivedAt).toISOString();
      const line = (value: object) => `${JSON.stringify(value)}\n`;
      const done = {
        model,
        created_at: createdAt,
        message: { role: 'assistant', content: '' },
        done_reason: reply.finishReason ?? 'stop',
        done: true,
        total_duration: 1_234_567_890,
        load_duration: 12_345_678,
        prompt_eval_count: reply.usage.inputTokens,
        prompt_eval_duration: 23_456_789,
        eval_count: reply.usage.outputTokens,
        eval_duration: 345_678_901,
      };
      if (request.body?.stream === false) {
        return { json: { ...done, message: { role: 'assistant', content: reply.chunks.join('') } } };
      }
      const frames: Frame[] = [
        ...reply.chunks.map((content) => ({
          data: line({ model, created_at: createdAt, message: { role: 'assistant', content }, done: false }),
          text: true,
        })),
        { data: line(done) },
      ];
      return { contentType: 'application/x-ndjson', frames };
    },
  };
}

/** Start a fake Ollama on 127.0.0.1; `fake.origin` is what OLLAMA_BASE_URL should be. */
export function startFakeOllama(options: FakeOllamaOptions = {}): Promise<FakeServer> {
  return startFakeServer(ollamaProtocol(options));
}
