import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
  SharedV3Warning,
} from '@ai-sdk/provider';
import type { Logger } from 'pino';
import { type Config, ConfigError } from '../config.js';
import type { RegisteredModel } from './model-registry.js';

// An in-process model (LOCAL_MODEL_PATH, a GGUF file) run by node-llama-cpp. node-llama-cpp is not a
// dependency (its platform binaries are ~700 MB): it is imported only when a local model is configured,
// through a specifier in a variable and the small interfaces below, so tsc passes without it installed.

const RUNTIME = 'node-llama-cpp';
const INSTALL_HINT =
  'run "npm install node-llama-cpp" (or "bash .ci/install-local-model-runtime.sh" for the CPU build only, ~85 MB)';
const DEFAULT_CONTEXT = 2048;
const TEXT_ID = 'txt-0';
const REASONING_ID = 'reasoning-0';

// Models without a chat template (like the tiny test model) get a plain transcript:
// "System\n\nUser: ...\nAssistant: ...\nUser: ...\nAssistant:". "Assistant:" sits in the user turn so
// the prompt ends with it; the reply stops at "\nUser: " (a newline alone must not end it).
const PLAIN_TRANSCRIPT = {
  template: '{{history}} {{completion}}\nUser: ',
  historyTemplate: {
    system: '{{message}}\n\n',
    user: 'User: {{message}}\nAssistant:',
    model: ' {{message}}\n',
  },
} as const;

export interface LocalModelOptions {
  path: string;
  threads: number;
  logger?: Logger;
  contextSize?: number;
}

/** A local model can also be unloaded (tests, shutdown); it loads again on the next call. */
export interface LocalLanguageModel extends LanguageModelV3 {
  dispose(): Promise<void>;
}

// --- The parts of node-llama-cpp's API used here, typed loosely. ---

type HistoryItem =
  | { type: 'system'; text: string }
  | { type: 'user'; text: string }
  | { type: 'model'; response: string[] };

interface ChatWrapperLike {
  generateContextState(options: { chatHistory: HistoryItem[] }): {
    contextText: { tokenize(tokenizer: unknown): unknown[] };
  };
}

interface ResponseChunk {
  type: 'segment' | undefined;
  text: string;
  segmentEndTime?: Date;
}

interface LlamaChatLike {
  readonly chatWrapper: ChatWrapperLike;
  generateResponse(
    history: HistoryItem[],
    options: Record<string, unknown> & { onResponseChunk: (chunk: ResponseChunk) => void },
  ): Promise<{ metadata: { stopReason: string } }>;
  dispose(): void;
}

interface SequenceLike {
  readonly tokenMeter: { readonly usedInputTokens: number; readonly usedOutputTokens: number };
}

interface LlamaModelLike {
  readonly trainContextSize: number;
  readonly tokenizer: unknown;
  readonly fileInfo: { metadata: { tokenizer?: { chat_template?: unknown } } };
  createContext(options: { contextSize: number; threads: number; sequences: number }): Promise<{
    readonly contextSize: number;
    getSequence(): SequenceLike;
  }>;
  dispose(): Promise<void>;
}

interface NodeLlamaCpp {
  getLlama(options: Record<string, unknown>): Promise<{
    loadModel(options: { modelPath: string }): Promise<LlamaModelLike>;
  }>;
  LlamaChat: new (options: {
    contextSequence: SequenceLike;
    chatWrapper: 'auto' | ChatWrapperLike;
    autoDisposeSequence: boolean;
  }) => LlamaChatLike;
  TemplateChatWrapper: new (options: typeof PLAIN_TRANSCRIPT) => ChatWrapperLike;
}

interface Runtime {
  mod: NodeLlamaCpp;
  model: LlamaModelLike;
  sequence: SequenceLike;
  contextSize: number;
  chatWrapper: 'auto' | ChatWrapperLike;
}

// --- Loading. ---

/** `local/<file name without .gguf>`: the id the local model has in Parley. */
export function localModelId(modelPath: string): string {
  return `local/${path.basename(modelPath).replace(/\.gguf$/i, '')}`;
}

function missingFileMessage(modelPath: string): string {
  return `Invalid setting LOCAL_MODEL_PATH=${JSON.stringify(modelPath)}: no such file; download a GGUF model with "npm run model:pull -- <url or hf id>".`;
}

/** Why the runtime is missing, or undefined when node-llama-cpp resolves (resolving loads nothing). */
export function localRuntimeProblem(): string | undefined {
  try {
    createRequire(import.meta.url).resolve(RUNTIME);
    return undefined;
  } catch {
    return `LOCAL_MODEL_PATH is set, but node-llama-cpp is not installed: ${INSTALL_HINT}.`;
  }
}

// Never more threads than cores minus one: the server's own thread must keep a core, and llama.cpp
// threads fighting for a busy core run hundreds of times slower (seen on the 2-core machines).
function boundedThreads(threads: number): number {
  return Math.max(1, Math.min(Math.floor(threads), availableParallelism() - 1));
}

async function loadRuntime(options: LocalModelOptions, threads: number): Promise<Runtime> {
  const { path: modelPath, logger } = options;
  if (!existsSync(modelPath)) throw new Error(missingFileMessage(modelPath));
  const started = performance.now();
  let mod: NodeLlamaCpp;
  try {
    mod = (await import(RUNTIME)) as NodeLlamaCpp;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND') throw new Error(localRuntimeProblem() ?? String(error));
    throw new Error(
      `LOCAL_MODEL_PATH is set, but node-llama-cpp failed to load: ${(error as Error).message}`,
    );
  }
  // CPU build only, and never a download or a source build at run time: the prebuilt binary or a clear error.
  const llama = await mod.getLlama({
    gpu: false,
    build: 'never',
    skipDownload: true,
    progressLogs: false,
    maxThreads: threads,
    logLevel: 'warn',
    logger: (level: string, message: string) => {
      const text = message.trim();
      if (text) logger?.[level === 'error' || level === 'fatal' ? 'error' : 'warn']({ llama: level }, text);
    },
  });
  let model: LlamaModelLike;
  try {
    model = await llama.loadModel({ modelPath });
  } catch (error) {
    throw new Error(
      `LOCAL_MODEL_PATH=${JSON.stringify(modelPath)} is not a model node-llama-cpp can load: ${(error as Error).message}`,
    );
  }
  const wanted = Math.min(options.contextSize ?? DEFAULT_CONTEXT, model.trainContextSize || DEFAULT_CONTEXT);
  // One sequence: requests take turns (see the queue), which keeps memory flat and lets a follow-up
  // message reuse the evaluated prefix of the same conversation.
  let context: Awaited<ReturnType<LlamaModelLike['createContext']>>;
  try {
    context = await model.createContext({ contextSize: wanted, threads, sequences: 1 });
  } catch (error) {
    await model.dispose();
    throw new Error(
      `LOCAL_MODEL_PATH=${JSON.stringify(modelPath)}: no room for a ${wanted}-token context: ${(error as Error).message}`,
    );
  }
  const hasTemplate = typeof model.fileInfo.metadata.tokenizer?.chat_template === 'string';
  logger?.info(
    {
      path: modelPath,
      contextSize: context.contextSize,
      threads,
      ms: Math.round(performance.now() - started),
    },
    'local model loaded',
  );
  return {
    mod,
    model,
    sequence: context.getSequence(),
    contextSize: context.contextSize,
    chatWrapper: hasTemplate ? 'auto' : new mod.TemplateChatWrapper(PLAIN_TRANSCRIPT),
  };
}

/** Takes turns on the single context sequence; a request aborted while waiting leaves the line at once. */
class TurnQueue {
  private tail: Promise<void> = Promise.resolve();

  acquire(signal: AbortSignal): Promise<() => void> {
    let release = () => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.tail;
    this.tail = previous.then(() => mine);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        reject(abortReason(signal));
        void previous.then(release);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      void previous.then(() => {
        if (signal.aborted) return;
        signal.removeEventListener('abort', onAbort);
        resolve(release);
      });
    });
  }
}

// --- One request. ---

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

function textOf(parts: readonly { type: string; text?: string }[]): string {
  return parts
    .filter((part) => part.type === 'text' && typeof part.text === 'string')
    .map((part) => part.text)
    .join('');
}

/** The AI SDK prompt as node-llama-cpp chat history, ending with the model turn to generate or continue. */
function toHistory(prompt: LanguageModelV3Prompt, warnings: SharedV3Warning[]): HistoryItem[] {
  const history: HistoryItem[] = [];
  for (const message of prompt) {
    if (message.role === 'system') history.push({ type: 'system', text: message.content });
    else if (message.role === 'user') {
      if (message.content.some((part) => part.type !== 'text')) {
        warnings.push({
          type: 'unsupported',
          feature: 'file parts',
          details: 'the local model reads text only',
        });
      }
      history.push({ type: 'user', text: textOf(message.content) });
    } else if (message.role === 'assistant') {
      history.push({ type: 'model', response: [textOf(message.content)] });
    }
  }
  // A prompt that ends with an assistant message asks for its continuation (Parley's "continue").
  if (history[history.length - 1]?.type !== 'model') history.push({ type: 'model', response: [] });
  return history;
}

function callWarnings(options: LanguageModelV3CallOptions): SharedV3Warning[] {
  const warnings: SharedV3Warning[] = [];
  if (options.tools?.length) warnings.push({ type: 'unsupported', feature: 'tools' });
  if (options.responseFormat?.type === 'json')
    warnings.push({ type: 'unsupported', feature: 'responseFormat' });
  if (options.frequencyPenalty !== undefined)
    warnings.push({ type: 'unsupported', feature: 'frequencyPenalty' });
  if (options.presencePenalty !== undefined)
    warnings.push({ type: 'unsupported', feature: 'presencePenalty' });
  return warnings;
}

interface Generated {
  finishReason: LanguageModelV3FinishReason;
  usage: LanguageModelV3Usage;
}

interface Sink {
  text(delta: string): void;
  reasoning(delta: string, ended: boolean): void;
}

async function generate(
  runtime: Runtime,
  queue: TurnQueue,
  options: LanguageModelV3CallOptions,
  history: HistoryItem[],
  signal: AbortSignal,
  sink: Sink,
): Promise<Generated> {
  const release = await queue.acquire(signal);
  const chat = new runtime.mod.LlamaChat({
    contextSequence: runtime.sequence,
    chatWrapper: runtime.chatWrapper,
    autoDisposeSequence: false,
  });
  try {
    const promptTokens = chat.chatWrapper
      .generateContextState({ chatHistory: history })
      .contextText.tokenize(runtime.model.tokenizer).length;
    // The sequence's meter counts what llama.cpp evaluated and sampled, including tokens held back
    // from the text (a partial UTF-8 character, a possible stop trigger).
    const meter = runtime.sequence.tokenMeter;
    const inputBefore = meter.usedInputTokens;
    const outputBefore = meter.usedOutputTokens;
    const result = await chat.generateResponse(history, {
      signal,
      // Without a limit a model that never says EOS would run on through context shifts.
      maxTokens: options.maxOutputTokens ?? runtime.contextSize,
      // llama.cpp's server and Ollama default to 0.8; node-llama-cpp's own default is greedy.
      temperature: options.temperature ?? 0.8,
      ...(options.topP !== undefined && { topP: options.topP }),
      ...(options.topK !== undefined && { topK: options.topK }),
      ...(options.seed !== undefined && { seed: options.seed }),
      ...(options.stopSequences?.length && { customStopTriggers: options.stopSequences }),
      onResponseChunk: (chunk: ResponseChunk) => {
        if (signal.aborted) return;
        if (chunk.type === 'segment') sink.reasoning(chunk.text, chunk.segmentEndTime !== undefined);
        else if (chunk.text !== '') sink.text(chunk.text);
      },
    });
    const { stopReason } = result.metadata;
    const evaluated = Math.min(promptTokens, meter.usedInputTokens - inputBefore);
    const outputTokens = meter.usedOutputTokens - outputBefore;
    return {
      finishReason: { unified: stopReason === 'maxTokens' ? 'length' : 'stop', raw: stopReason },
      usage: {
        inputTokens: {
          total: promptTokens,
          noCache: evaluated,
          cacheRead: promptTokens - evaluated,
          cacheWrite: undefined,
        },
        outputTokens: { total: outputTokens, text: outputTokens, reasoning: undefined },
      },
    };
  } finally {
    chat.dispose();
    release();
  }
}

// --- The AI SDK model. ---

export function createLocalModel(options: LocalModelOptions): LocalLanguageModel {
  const threads = boundedThreads(options.threads);
  const modelId = localModelId(options.path).slice('local/'.length);
  const queue = new TurnQueue();
  let loading: Promise<Runtime> | undefined;

  // Loaded once, on the first call; a failed load is forgotten so a fixed file can be picked up.
  const runtime = (): Promise<Runtime> => {
    loading ??= loadRuntime(options, threads).catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };

  const metadata = () => ({ id: `local-${randomUUID()}`, modelId, timestamp: new Date() });

  return {
    specificationVersion: 'v3',
    provider: 'local',
    modelId,
    supportedUrls: {},

    async doGenerate(callOptions) {
      const signal = callOptions.abortSignal ?? new AbortController().signal;
      const warnings = callWarnings(callOptions);
      const history = toHistory(callOptions.prompt, warnings);
      const loaded = await runtime();
      let text = '';
      let reasoning = '';
      const result = await generate(loaded, queue, callOptions, history, signal, {
        text: (delta) => {
          text += delta;
        },
        reasoning: (delta) => {
          reasoning += delta;
        },
      });
      if (signal.aborted) throw abortReason(signal);
      const content: LanguageModelV3Content[] = [];
      if (reasoning) content.push({ type: 'reasoning', text: reasoning });
      content.push({ type: 'text', text });
      return { content, ...result, response: metadata(), warnings };
    },

    async doStream(callOptions) {
      const warnings = callWarnings(callOptions);
      const history = toHistory(callOptions.prompt, warnings);
      const loaded = await runtime();
      // Cancelling the stream (the reader went away) stops generation just like the caller's signal.
      const cancel = new AbortController();
      const signal = callOptions.abortSignal
        ? AbortSignal.any([callOptions.abortSignal, cancel.signal])
        : cancel.signal;
      let closed = false;
      let textOpen = false;
      let reasoningOpen = false;

      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        start(controller) {
          const send = (part: LanguageModelV3StreamPart) => {
            if (!closed) controller.enqueue(part);
          };
          const closeReasoning = () => {
            if (reasoningOpen) send({ type: 'reasoning-end', id: REASONING_ID });
            reasoningOpen = false;
          };
          send({ type: 'stream-start', warnings });
          send({ type: 'response-metadata', ...metadata() });
          generate(loaded, queue, callOptions, history, signal, {
            text(delta) {
              closeReasoning();
              if (!textOpen) send({ type: 'text-start', id: TEXT_ID });
              textOpen = true;
              send({ type: 'text-delta', id: TEXT_ID, delta });
            },
            reasoning(delta, ended) {
              if (!reasoningOpen && delta !== '') send({ type: 'reasoning-start', id: REASONING_ID });
              reasoningOpen ||= delta !== '';
              if (delta !== '') send({ type: 'reasoning-delta', id: REASONING_ID, delta });
              if (ended) closeReasoning();
            },
          })
            .then((result) => {
              if (signal.aborted) throw abortReason(signal);
              closeReasoning();
              if (textOpen) send({ type: 'text-end', id: TEXT_ID });
              send({ type: 'finish', ...result });
              if (!closed) controller.close();
              closed = true;
            })
            .catch((error: unknown) => {
              if (!closed) controller.error(signal.aborted ? abortReason(signal) : error);
              closed = true;
            });
        },
        cancel() {
          closed = true;
          cancel.abort();
        },
      });
      return { stream };
    },

    async dispose() {
      const current = loading;
      loading = undefined;
      const loaded = await current?.catch(() => undefined);
      await loaded?.model.dispose();
    },
  };
}

// --- Registration (called from models.ts when LOCAL_MODEL_PATH is set). ---

/**
 * The `context_length` a GGUF file declares, read from its header without loading the model.
 * Returns null when the file is not GGUF; undefined when the key is not found early in the header.
 */
export function ggufContextLength(file: string): number | null | undefined {
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    let pos = 0;
    const read = (length: number): Buffer => {
      if (pos + length > size) throw new RangeError('truncated');
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, pos);
      pos += length;
      return buffer;
    };
    const u32 = () => read(4).readUInt32LE();
    const u64 = () => Number(read(8).readBigUInt64LE());
    const str = () => read(u64()).toString('utf8');
    // Sizes of GGUF value types 0..12 (8 string and 9 array are variable).
    const sizes = [1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8];
    const skip = (type: number): void => {
      if (type === 8) {
        const length = u64(); // read first: `pos += u64()` would add to the old pos
        pos += length;
      } else if (type === 9) {
        const itemType = u32();
        const count = u64();
        if (itemType === 8) for (let i = 0; i < count; i++) skip(8);
        else pos += count * (sizes[itemType] ?? 0);
      } else pos += sizes[type] ?? 0;
    };
    if (read(4).toString('latin1') !== 'GGUF') return null;
    u32(); // version
    u64(); // tensor count
    const kvCount = u64();
    let arch: string | undefined;
    for (let i = 0; i < kvCount; i++) {
      const key = str();
      const type = u32();
      if (key === 'general.architecture' && type === 8) arch = str();
      else if (arch && key === `${arch}.context_length` && (type === 4 || type === 10)) {
        return type === 4 ? u32() : u64();
      } else skip(type);
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The local model for the registry. Fails startup with one line when the file or node-llama-cpp is
 * missing, or the file is not GGUF; the model itself loads on the first message.
 */
export function registerLocalModel(
  config: Pick<Config, 'localModelPath' | 'localModelThreads'>,
  logger?: Logger,
): RegisteredModel {
  const modelPath = config.localModelPath;
  if (!modelPath) throw new ConfigError('LOCAL_MODEL_PATH is not set.');
  if (!existsSync(modelPath)) throw new ConfigError(missingFileMessage(modelPath));
  const trainContext = ggufContextLength(modelPath);
  if (trainContext === null) {
    throw new ConfigError(
      `Invalid setting LOCAL_MODEL_PATH=${JSON.stringify(modelPath)}: not a GGUF file (it does not start with "GGUF").`,
    );
  }
  const problem = localRuntimeProblem();
  if (problem) throw new ConfigError(problem);
  const id = localModelId(modelPath);
  return {
    info: {
      id,
      provider: 'local',
      name: `${id.slice('local/'.length)} (local)`,
      contextWindow: Math.min(DEFAULT_CONTEXT, trainContext ?? DEFAULT_CONTEXT),
      available: true,
    },
    model: createLocalModel({ path: modelPath, threads: config.localModelThreads, logger }),
  };
}
