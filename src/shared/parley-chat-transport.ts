import {
  type ChatRequestOptions,
  type ChatTransport,
  DefaultChatTransport,
  type HttpChatTransportInitOptions,
  type UIMessage,
  type UIMessageChunk,
} from 'ai';

/**
 * A chat transport for the AI SDK's `useChat` (`@ai-sdk/react`) or `Chat` (`ai`) that talks to a
 * Parley server: the `Chat`'s id is the Parley conversation's id.
 *
 *   const chat = new Chat({ id: conversationId, transport: new ParleyChatTransport({ baseUrl }) });
 *
 * It is DefaultChatTransport pointed at `POST /api/chat` (resume: `GET /api/chat/:id/stream`) with
 * three differences:
 * - `stop()` stops the reply on the server. A Parley reply is a server-side run that outlives its
 *   connection (a dropped network or a closed tab must not lose it, and any tab can resume it), so
 *   aborting the fetch alone only stops watching. When useChat aborts a response, this transport
 *   also calls `POST /api/conversations/:id/stop`.
 * - only the last message is sent: Parley keeps the history and never reads the client's copy, so
 *   a long conversation costs the same small request as a short one.
 * - a user message keeps the id the Chat gave it, so the transport remembers which Parley message
 *   each became (the stream's `data-run` says) and names that one when useChat edits
 *   (`sendMessage({ text, messageId })`) or regenerates (`regenerate({ messageId })`) it. Replies
 *   need no mapping: their ids are Parley's from the stream's `start`.
 *
 * Sign-in: pass `headers` (an API token as `Authorization: Bearer ...`, or in a browser the
 * session's `x-csrf-token`) and/or `credentials`, as for DefaultChatTransport; the stop call sends
 * the same.
 */
export interface ParleyChatTransportOptions<UI_MESSAGE extends UIMessage>
  extends Omit<
    HttpChatTransportInitOptions<UI_MESSAGE>,
    'api' | 'prepareSendMessagesRequest' | 'prepareReconnectToStreamRequest'
  > {
  /** Parley's address (`https://chat.example.com`); empty (the default) for the page's own origin. */
  baseUrl?: string;
}

/** User messages whose Parley id the transport remembers (for edits and regenerates). */
const MAX_REMEMBERED_IDS = 1_000;

type Resolvable<T> = T | PromiseLike<T> | (() => T | PromiseLike<T>);

async function resolve<T>(value: Resolvable<T> | undefined): Promise<T | undefined> {
  return typeof value === 'function' ? (value as () => T | PromiseLike<T>)() : value;
}

function plainHeaders(headers: Record<string, string> | Headers | undefined): Record<string, string> {
  if (headers === undefined) return {};
  return headers instanceof Headers ? Object.fromEntries(headers.entries()) : { ...headers };
}

export class ParleyChatTransport<UI_MESSAGE extends UIMessage = UIMessage>
  extends DefaultChatTransport<UI_MESSAGE>
  implements ChatTransport<UI_MESSAGE>
{
  private readonly baseUrl: string;
  private readonly options: ParleyChatTransportOptions<UI_MESSAGE>;
  /** Per chat, the newest resume request: an older one aborted because a newer replaced it is not a stop. */
  private readonly latestResume = new Map<string, number>();
  private resumes = 0;
  /** The Chat's id of a user message sent through this transport → its Parley id (newest kept). */
  private readonly parleyIds: Map<string, string>;

  constructor(options: ParleyChatTransportOptions<UI_MESSAGE> = {}) {
    const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
    const parleyIds = new Map<string, string>();
    super({
      ...options,
      api: `${baseUrl}/api/chat`,
      prepareSendMessagesRequest: ({ id, messages, body, trigger, messageId }) => ({
        body: {
          ...body,
          id,
          messages: messages.slice(-1),
          trigger,
          ...(messageId !== undefined ? { messageId: parleyIds.get(messageId) ?? messageId } : {}),
        },
      }),
    });
    this.baseUrl = baseUrl;
    this.options = options;
    this.parleyIds = parleyIds;
  }

  override async sendMessages(
    options: Parameters<ChatTransport<UI_MESSAGE>['sendMessages']>[0],
  ): Promise<ReadableStream<UIMessageChunk>> {
    const watch = this.stopOnAbort(options.chatId, options.abortSignal, options, () => true);
    const stream = await watch(super.sendMessages(options));
    const sent = options.messages.at(-1);
    if (options.trigger !== 'submit-message' || sent?.role !== 'user') return stream;
    return stream.pipeThrough(
      new TransformStream<UIMessageChunk, UIMessageChunk>({
        transform: (chunk, controller) => {
          if (chunk.type === 'data-run') this.remember(sent.id, chunk.data);
          controller.enqueue(chunk);
        },
      }),
    );
  }

  private remember(clientId: string, data: unknown): void {
    const parleyId = (data as { userMessageId?: unknown } | null)?.userMessageId;
    if (typeof parleyId !== 'string' || parleyId === clientId) return;
    this.parleyIds.delete(clientId);
    this.parleyIds.set(clientId, parleyId);
    // Bounded: a long-lived page does not grow it without end (oldest first, insertion order).
    for (const oldest of this.parleyIds.keys()) {
      if (this.parleyIds.size <= MAX_REMEMBERED_IDS) break;
      this.parleyIds.delete(oldest);
    }
  }

  override async reconnectToStream(
    options: Parameters<ChatTransport<UI_MESSAGE>['reconnectToStream']>[0],
  ): Promise<ReadableStream<UIMessageChunk> | null> {
    const mine = ++this.resumes;
    this.latestResume.set(options.chatId, mine);
    // A Chat aborts its previous resume when a new one starts (React's StrictMode mounts twice):
    // that is not the user's stop, and must not end the reply both are waiting for.
    const isLatest = () => this.latestResume.get(options.chatId) === mine;
    const watch = this.stopOnAbort(options.chatId, options.abortSignal, options, isLatest);
    return watch(super.reconnectToStream(options));
  }

  /** Stop the conversation's active reply on the server (what useChat's stop() ends up calling). */
  async stopRun(chatId: string, request: ChatRequestOptions = {}): Promise<Response> {
    const fetchImpl = this.options.fetch ?? globalThis.fetch;
    const credentials = await resolve(this.options.credentials);
    return fetchImpl(`${this.baseUrl}/api/conversations/${encodeURIComponent(chatId)}/stop`, {
      method: 'POST',
      headers: {
        ...plainHeaders(await resolve(this.options.headers)),
        ...plainHeaders(request.headers),
      },
      ...(credentials !== undefined ? { credentials } : {}),
    });
  }

  /**
   * Until the response's stream ends, an abort of `signal` stops the run on the server (once the
   * abort is known not to be a replaced resume). A stream that ended normally leaves nothing to stop.
   */
  private stopOnAbort(
    chatId: string,
    signal: AbortSignal | undefined,
    request: ChatRequestOptions,
    shouldStop: () => boolean,
  ) {
    let settled = false;
    const onAbort = () => {
      // After the Chat's synchronous follow-up (a replacing resume starts in the same turn).
      setTimeout(() => {
        if (settled || !shouldStop()) return;
        this.stopRun(chatId, request).catch(() => undefined);
      }, 0);
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
    };
    return async <S extends ReadableStream<UIMessageChunk> | null>(opening: Promise<S>): Promise<S> => {
      let stream: S;
      try {
        stream = await opening;
      } catch (error) {
        // A refused request started nothing; an aborted one may have started a run: still stopped.
        if (!signal?.aborted) done();
        throw error;
      }
      if (stream === null) {
        done();
        return stream;
      }
      return stream.pipeThrough(
        new TransformStream<UIMessageChunk, UIMessageChunk>({
          flush: done,
        }),
      ) as S;
    };
  }
}
