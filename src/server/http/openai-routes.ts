import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import {
  ChatCompletion,
  ChatCompletionBody,
  OpenAIErrorBody,
  OpenAIModel,
  OpenAIModelList,
  ResponseObject,
  ResponsesBody,
} from '../../shared/openai-schemas.js';
import type { ModelRegistry } from '../ai/model-registry.js';
import { type GroupLimits, modelNotAllowed } from '../auth/group-limits.js';
import { AppError } from '../errors.js';
import { bodyLimitFor } from '../openai/attachment-limits.js';
import type { CompletionService } from '../openai/completion-service.js';
import { modelNotFound, OpenAIApiError, toOpenAIError } from '../openai/errors.js';
import { HISTORY_HEADER, type HistoryTarget } from '../openai/history.js';
import { type CompletionCall, toCompletionCall } from '../openai/request.js';
import {
  type CompletionMeta,
  chunk,
  completionBody,
  completionId,
  modelList,
  modelObject,
  sseData,
  toChoiceLogprobs,
  toFinishReason,
  toolCallDelta,
  unixSeconds,
  usageChunk,
} from '../openai/responses.js';
import { completedResponse, type ResponseMeta, responseId } from '../openai/responses-objects.js';
import { type ResponsesCall, toResponsesCall } from '../openai/responses-request.js';
import { ResponsesEventWriter } from '../openai/responses-stream.js';
import { openEventStream, type SseConnections } from './sse.js';

const errors = { 400: OpenAIErrorBody, 401: OpenAIErrorBody, 404: OpenAIErrorBody, 429: OpenAIErrorBody };
/** The model failed (502), or its provider's breaker is open (503, with Retry-After). */
const upstreamErrors = { 502: OpenAIErrorBody, 503: OpenAIErrorBody };
/** Attachments: too large (MAX_FILE_MB, the request's total), or bytes of a type not accepted. */
const attachmentErrors = { 413: OpenAIErrorBody, 415: OpenAIErrorBody };

/** Answer in OpenAI's error shape, logging 5xx as errors and client mistakes at info. */
function sendOpenAIError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const mapped = toOpenAIError(error);
  if (mapped.status >= 500) request.log.error({ err: error }, 'openai request failed');
  else request.log.info({ status: mapped.status, code: mapped.code }, mapped.message);
  if (mapped.retryAfterSeconds !== undefined) {
    reply.header('retry-after', String(Math.max(1, Math.ceil(mapped.retryAfterSeconds))));
  }
  return reply.status(mapped.status).send(mapped.body());
}

/** One completion request on its way through a route. */
interface Run<Call extends CompletionCall = CompletionCall, Meta = CompletionMeta> {
  call: Call;
  history: HistoryTarget | undefined;
  /** Aborted when the client hangs up (or the server shuts down): stops the model call. */
  abort: AbortController;
  meta: Meta;
}

/** With history on, where the exchange is recorded, so a client can continue it. */
const historyHeaders = (history: HistoryTarget | undefined): Record<string, string> =>
  history
    ? {
        'x-parley-conversation-id': history.conversationId,
        'x-parley-message-id': history.assistantMessageId,
      }
    : {};

/** The client is gone: nobody is left to answer. */
function hangUp(reply: FastifyReply): FastifyReply {
  reply.hijack();
  reply.raw.destroy();
  return reply;
}

/**
 * The OpenAI-compatible API (`/v1/models`, `/v1/chat/completions`, `/v1/responses`) for any
 * OpenAI client, with a Parley API token as the key. Its own encapsulated scope: errors here,
 * including those of the app-level auth hook and rate limit (Fastify hands a hook's error to the
 * route's own handler), come out in OpenAI's shape, not Parley's.
 */
export interface OpenAIRouteDeps {
  completions: Pick<
    CompletionService,
    | 'requireModel'
    | 'requireReadable'
    | 'requireSupported'
    | 'resolveHistory'
    | 'complete'
    | 'attachmentLimits'
  >;
  models: Pick<ModelRegistry, 'list'>;
  sse: SseConnections;
  heartbeatMs: number;
  /** The models the caller's groups allow (none given: every model). */
  groups?: Pick<GroupLimits, 'allowedModels'>;
}

export function openaiRoutes({
  completions: service,
  models,
  sse,
  heartbeatMs,
  groups,
}: OpenAIRouteDeps): FastifyPluginAsyncTypebox {
  /** The registry's models the caller's groups allow. */
  async function modelsFor(userId: string) {
    const allowed = (await groups?.allowedModels(userId)) ?? null;
    return models.list().filter((model) => allowed === null || allowed.has(model.id));
  }

  const v1Routes: FastifyPluginAsyncTypebox = async (v1) => {
    const startedAt = unixSeconds();

    v1.setErrorHandler((error, request, reply) => sendOpenAIError(error, request, reply));
    v1.setNotFoundHandler((request, reply) =>
      sendOpenAIError(
        new OpenAIApiError(
          404,
          `Unknown request URL: ${request.method} ${request.url.split('?')[0]}.`,
          'invalid_request_error',
          'unknown_url',
        ),
        request,
        reply,
      ),
    );
    // Tokens only: a browser session is no key for scripts, and cookie writes would need CSRF.
    v1.addHook('onRequest', async (request) => {
      if (request.principal?.via === 'session') {
        throw new AppError('unauthorized', 'The /v1 API does not accept session cookies.');
      }
    });

    v1.get('/models', { schema: { response: { 200: OpenAIModelList, ...errors } } }, async (request) =>
      modelList(await modelsFor(request.userId), startedAt),
    );

    // A wildcard: registry ids hold a slash (`openai/gpt-4o`), which curl users do not encode.
    v1.get<{ Params: { '*': string } }>(
      '/models/*',
      { schema: { response: { 200: OpenAIModel, ...errors } } },
      async (request) => {
        const id = request.params['*'];
        const model = (await modelsFor(request.userId)).find((listed) => listed.id === id);
        if (!model) throw modelNotFound(id);
        return modelObject(model, startedAt);
      },
    );

    v1.post(
      '/chat/completions',
      {
        // Images and files come inline as base64: room for them, bounded by the attachment limits.
        bodyLimit: bodyLimitFor(service.attachmentLimits),
        schema: {
          body: ChatCompletionBody,
          response: { 200: ChatCompletion, ...errors, ...attachmentErrors, ...upstreamErrors },
        },
      },
      async (request, reply) => {
        const call = toCompletionCall(request.body, service.attachmentLimits);
        const meta = { id: completionId(), created: unixSeconds(), model: call.modelId };
        return handle(request, reply, call, meta, (run) =>
          call.stream ? streamCompletion(request, reply, run) : completeOnce(request, reply, run),
        );
      },
    );

    v1.post(
      '/responses',
      {
        bodyLimit: bodyLimitFor(service.attachmentLimits),
        schema: {
          body: ResponsesBody,
          response: { 200: ResponseObject, ...errors, ...attachmentErrors, ...upstreamErrors },
        },
      },
      async (request, reply) => {
        const call = toResponsesCall(request.body, service.attachmentLimits);
        const meta = { id: responseId(), createdAt: unixSeconds(), model: call.modelId };
        return handle(request, reply, call, meta, (run) =>
          call.stream ? streamResponse(request, reply, run) : respondOnce(request, reply, run),
        );
      },
    );

    /**
     * What both APIs check before admission (the model, images it cannot read, parameters its
     * provider cannot honour, the history target), then the answer, stopped when the client goes.
     */
    async function handle<Call extends CompletionCall, Meta>(
      request: FastifyRequest,
      reply: FastifyReply,
      call: Call,
      meta: Meta,
      answer: (run: Run<Call, Meta>) => Promise<FastifyReply>,
    ) {
      service.requireModel(call.modelId);
      // A model the caller's groups do not include: 403 model_not_allowed, before admission.
      const allowed = (await groups?.allowedModels(request.userId)) ?? null;
      if (allowed && !allowed.has(call.modelId)) throw modelNotAllowed(call.modelId);
      // An image for a text-only model is refused here, before admission and any download.
      service.requireReadable(call);
      // So is a parameter the model's provider cannot honour (logprobs outside OpenAI, tools).
      service.requireSupported(call);
      const history = await service.resolveHistory(request.userId, request.headers[HISTORY_HEADER], call);
      const abort = new AbortController();
      // The client owns this request: when it hangs up, the model call stops.
      reply.raw.on('close', () => abort.abort(new DOMException('The client disconnected', 'AbortError')));
      try {
        return await answer({ call, history, abort, meta });
      } catch (error) {
        // Hung up while its attachments were being read: nobody is left to tell.
        if (abort.signal.aborted && !reply.sent) return hangUp(reply);
        throw error;
      }
    }

    async function completeOnce(request: FastifyRequest, reply: FastifyReply, run: Run) {
      const result = await service.complete(request.userId, run.call, {
        signal: run.abort.signal,
        onDelta: () => {},
        history: run.history,
        log: request.log as Logger,
        apiTokenId: request.principal?.tokenId,
      });
      if (result.error) throw result.error;
      if (result.status === 'stopped') return hangUp(reply);
      return reply
        .headers(historyHeaders(run.history))
        .send(
          completionBody(
            run.meta,
            result.text,
            result.finishReason,
            result.usage,
            toChoiceLogprobs(result.logprobs),
            result.toolCalls,
          ),
        );
    }

    /**
     * SSE in OpenAI's format. Headers go out with the first token, so a failure before it (a
     * provider down, a breaker open) is still a plain HTTP error the client can type.
     */
    async function streamCompletion(request: FastifyRequest, reply: FastifyReply, run: Run) {
      const { meta, call } = run;
      let stream: ReturnType<typeof openEventStream> | undefined;
      const open = async () => {
        if (stream) return stream;
        stream = openEventStream(request, reply, sse, heartbeatMs, 'run', historyHeaders(run.history));
        // Also fires on server shutdown, after the drain period of open streams.
        stream.signal.addEventListener('abort', () => run.abort.abort(stream?.signal.reason));
        await stream.write(sseData(chunk(meta, { role: 'assistant', content: '' }, null, call.includeUsage)));
        return stream;
      };

      const result = await service.complete(request.userId, call, {
        signal: run.abort.signal,
        onDelta: async (text) => {
          await (await open()).write(sseData(chunk(meta, { content: text }, null, call.includeUsage)));
        },
        onToolCall: async (event) => {
          const delta = toolCallDelta(event);
          if (!delta) return;
          await (await open()).write(sseData(chunk(meta, { tool_calls: [delta] }, null, call.includeUsage)));
        },
        history: run.history,
        log: request.log as Logger,
        apiTokenId: request.principal?.tokenId,
      });
      if (!stream) {
        if (result.error) throw result.error;
        if (result.status === 'stopped') return hangUp(reply);
      }
      const out = await open();
      try {
        if (result.error) {
          // OpenAI clients raise an error event as an APIError.
          await out.write(sseData(result.error.body()));
        } else if (result.status === 'complete') {
          const finish = toFinishReason(result.finishReason, result.toolCalls.length > 0);
          const logprobs = toChoiceLogprobs(result.logprobs);
          await out.write(sseData(chunk(meta, {}, finish, call.includeUsage, logprobs)));
          if (call.includeUsage) await out.write(sseData(usageChunk(meta, result.usage)));
          await out.write(sseData('[DONE]'));
        }
      } finally {
        out.end();
      }
      return reply;
    }

    const serviceOptions = (request: FastifyRequest, run: Run<ResponsesCall, ResponseMeta>) => ({
      signal: run.abort.signal,
      history: run.history,
      log: request.log as Logger,
      apiTokenId: request.principal?.tokenId,
    });

    async function respondOnce(
      request: FastifyRequest,
      reply: FastifyReply,
      run: Run<ResponsesCall, ResponseMeta>,
    ) {
      const result = await service.complete(request.userId, run.call, {
        ...serviceOptions(request, run),
        onDelta: () => {},
      });
      if (result.error) throw result.error;
      if (result.status === 'stopped') return hangUp(reply);
      return reply.headers(historyHeaders(run.history)).send(completedResponse(run.meta, run.call, result));
    }

    /** The Responses event stream (responses-stream.ts); opened with the first token, as above. */
    async function streamResponse(
      request: FastifyRequest,
      reply: FastifyReply,
      run: Run<ResponsesCall, ResponseMeta>,
    ) {
      let stream: ReturnType<typeof openEventStream> | undefined;
      let writer: ResponsesEventWriter | undefined;
      const open = async () => {
        if (writer) return writer;
        const opened = openEventStream(request, reply, sse, heartbeatMs, 'run', historyHeaders(run.history));
        stream = opened;
        opened.signal.addEventListener('abort', () => run.abort.abort(opened.signal.reason));
        writer = new ResponsesEventWriter(run.meta, run.call, (chunk) => opened.write(chunk));
        await writer.begin();
        return writer;
      };
      const result = await service.complete(request.userId, run.call, {
        ...serviceOptions(request, run),
        onDelta: async (text) => (await open()).text(text),
        onToolCall: async (event) => (await open()).toolCall(event),
      });
      if (!stream) {
        if (result.error) throw result.error;
        if (result.status === 'stopped') return hangUp(reply);
      }
      const out = await open();
      try {
        if (result.error) await out.fail(result.error, result.usage);
        else if (result.status === 'complete') await out.complete(result.finishReason, result.usage);
      } finally {
        stream?.end();
      }
      return reply;
    }
  };
  return async (app) => {
    // A prefix of its own, so unknown /v1 URLs get an OpenAI-shaped 404 too.
    await app.register(v1Routes, { prefix: '/v1' });
  };
}
