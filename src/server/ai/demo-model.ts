import { randomUUID } from 'node:crypto';
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3FinishReason,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { readUserMessage } from './demo-attachments.js';
import { type DemoToolCall, plannedToolCall, toolCallParts, toolResultsReply } from './demo-tools.js';

// Built-in demo model: lets Parley run end to end (streaming, stop, continue) with no API keys.
// It goes through the same AI SDK pipeline as a real provider, so everything above it is exercised for real.

export interface DemoModelOptions {
  delayMs: number;
  onCall?: (info: { abortSignal?: AbortSignal }) => void;
}

const TEXT_ID = 'txt-0';
const REASONING_ID = 'reasoning-0';
// With no delay, yield to the event loop only occasionally so benchmarks stay fast but the server stays responsive.
const YIELD_EVERY = 64;

// FNV-1a: tiny, stable across runs and platforms, good enough to pick templates.
function hashString(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function pick<T>(items: readonly T[], seed: number): T {
  return items[seed % items.length] as T;
}

// The quote sits inside an inline code span, so stripping backticks and newlines is enough to keep
// user text from escaping into markdown or HTML.
function quotePrompt(prompt: string): string {
  const flat = prompt.replace(/`/g, "'").replace(/\s+/g, ' ').trim();
  if (flat.length === 0) return '(an empty message)';
  const chars = Array.from(flat);
  const short = chars.length > 80 ? `${chars.slice(0, 79).join('').trimEnd()}…` : flat;
  return `\`${short}\``;
}

const INTROS: readonly ((q: string) => string)[] = [
  (q) =>
    `Thanks for your message! You asked: ${q}. I'm Parley's built-in **demo model**, not a real LLM, ` +
    "so I can't actually think about your question. What I can do is show you how a complete reply " +
    'streams into the chat, token by token, exactly the way a real model would.',
  (q) =>
    `Hi there! I received your question, ${q}, and I wish I could give it a proper answer. ` +
    "I'm the built-in **demo model** that ships with Parley. I'm not a real LLM: every word you see " +
    'comes from a fixed template, so the same message always produces the same reply.',
  (q) =>
    `Good question: ${q}. Before you read too much into this reply, a quick disclaimer: this is ` +
    "Parley's built-in **demo model**, not a real LLM. It exists so you can try the chat interface, " +
    'streaming and the stop and continue controls without any API keys.',
];

const LISTS: readonly string[] = [
  'To get real answers, connect a provider by setting one of these environment variables and restarting ' +
    'the server:\n\n' +
    '- `OPENAI_API_KEY` for OpenAI models such as GPT-4o\n' +
    '- `ANTHROPIC_API_KEY` for Anthropic Claude models\n' +
    '- `GOOGLE_GENERATIVE_AI_API_KEY` for Google Gemini models\n' +
    '- `OLLAMA_BASE_URL` to use models served by a local Ollama instance\n' +
    '- `LOCAL_MODEL_PATH` to point at a model file on this machine\n' +
    '- `MODELS_FILE` to describe several models at once in a single file',
  'Connecting a real model only takes a minute:\n\n' +
    '1. Pick a provider: OpenAI, Anthropic, Google, a local Ollama server or a local model file.\n' +
    '2. Set the matching variable: `OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `GOOGLE_GENERATIVE_AI_API_KEY`, ' +
    '`OLLAMA_BASE_URL` or `LOCAL_MODEL_PATH`.\n' +
    '3. Or list several models in one file and point `MODELS_FILE` at it.\n' +
    '4. Restart Parley and choose the new model for your next conversation.',
];

const CODE_BLOCKS: readonly string[] = [
  'The quickest way to try it from a shell:\n\n```sh\nOPENAI_API_KEY=sk-... npm start\n```',
  'You can also keep the settings in a `.env` file next to the server:\n\n' +
    '```sh\n# .env\nANTHROPIC_API_KEY=sk-ant-...\n# or, for a local Ollama server:\nOLLAMA_BASE_URL=http://localhost:11434\n```',
  'For a fully local setup with Ollama, something like this works:\n\n' +
    '```sh\nollama pull llama3.2\nOLLAMA_BASE_URL=http://localhost:11434 npm start\n```',
];

const BENEFITS: readonly string[] = [
  'A real model unlocks everything I cannot do: it understands context, remembers earlier messages in ' +
    'the conversation, writes and explains code, and answers in your own language.',
  'With a real model behind it, Parley can follow the whole conversation, reason about your actual ' +
    'question, draft and review code, and adapt its tone and language to you.',
];

const MIDDLES: readonly string[] = [
  'In the meantime, I am still useful for testing. Press stop halfway through one of my replies, ' +
    'ask me to continue, open the same chat in a second tab, or send a long message to see how the ' +
    'interface copes with markdown, lists and code.',
  'While you are here, feel free to poke at the app. My replies are long enough to try stopping a ' +
    'response midway, continuing it afterwards, and watching the same conversation update live in ' +
    'another browser window.',
  'Because my answers are deterministic, I am handy for checking that everything around the model works: ' +
    'streaming, cancelling, resuming a cut-off reply and rendering markdown should all behave exactly as ' +
    'they will with a real provider.',
];

const CLOSINGS: readonly string[] = [
  'Once a real provider is configured, ask your question again and you will get a genuine answer instead of this friendly placeholder.',
  'Happy chatting, and I hope your next reply comes from a real model that can actually help with your question.',
  'After the restart, pick the new model and send your message again to get a real, thoughtful answer.',
];

/** Deterministic demo reply for a prompt: same prompt, same text. */
export function demoReply(prompt: string): string {
  const h = hashString(prompt);
  const parts = [
    pick(INTROS, h)(quotePrompt(prompt)),
    pick(LISTS, h >>> 3),
    pick(CODE_BLOCKS, h >>> 7),
    pick(BENEFITS, h >>> 9),
    pick(MIDDLES, h >>> 11),
    pick(CLOSINGS, h >>> 15),
  ];
  return parts.join('\n\n');
}

/** Splits text into word-ish tokens (word plus trailing whitespace); joining them gives back the exact input. */
export function tokenizeDemo(text: string): string[] {
  return text.match(/^\s+|\S+\s*/g) ?? [];
}

/**
 * The number of tokens tokenizeDemo would make, without building them: a long history is counted
 * on every turn, and allocating an array of its words was a visible share of a turn's CPU.
 */
export function countDemoTokens(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // The whitespace characters of \s that occur in practice.
    const space =
      code === 32 || (code >= 9 && code <= 13) || code === 160 || code === 0x2028 || code === 0x2029;
    if (!space && !inWord) count++;
    inWord = !space;
  }
  // Leading whitespace is a token of its own.
  if (text.length > 0 && /^\s/.test(text)) count++;
  return count;
}

function textOf(content: readonly { type: string; text?: string }[]): string {
  let out = '';
  for (const part of content) {
    if (part.type === 'text' && typeof part.text === 'string') out += part.text;
  }
  return out;
}

function promptText(prompt: LanguageModelV3Prompt): string {
  return prompt
    .map((message) => (message.role === 'system' ? message.content : textOf(message.content)))
    .filter((text) => text.length > 0)
    .join('\n');
}

/**
 * How a title request's system prompt begins (chat/title-writer.ts builds it from this): the demo
 * model answers such a request with `demoTitle` of the user's text instead of its usual reply.
 */
export const TITLE_REQUEST_OPENING = 'You write the title of a chat conversation.';

/** Leading words that say nothing about the subject ("How do I...", "Can you please..."). */
const FILLER = new Set(
  'a an the how what why when where which who can could would will should do does did is are was i me my we you your please tell explain hi hello hey help'.split(
    ' ',
  ),
);
/** Small words kept lower case inside a title. */
const SMALL = new Set('a an the and or but for nor of to in on at by with from as vs'.split(' '));

/**
 * The demo's title for a first message: its first five words after the leading filler ("How do
 * I"), in Title Case, without punctuation or markdown. The same text always gets the same title;
 * an empty or wordless text gets an empty one (the caller keeps its placeholder).
 */
export function demoTitle(text: string): string {
  const words = (text.slice(0, 2_000).match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? []).slice(0, 200);
  let start = 0;
  while (start < words.length - 1 && FILLER.has((words[start] as string).toLowerCase())) start++;
  const picked = words.slice(start, start + 5);
  return picked
    .map((word, i) => {
      const lower = word.toLowerCase();
      if (i > 0 && i < picked.length - 1 && SMALL.has(lower)) return lower;
      return word.charAt(0).toUpperCase() + word.slice(1);
    })
    .join(' ');
}

/** A title request (chat/title-writer.ts): its system prompt begins with TITLE_REQUEST_OPENING. */
function isTitleRequest(prompt: LanguageModelV3Prompt): boolean {
  return prompt.some(
    (message) => message.role === 'system' && message.content.startsWith(TITLE_REQUEST_OPENING),
  );
}

interface Plan {
  tokens: string[];
  finishReason: LanguageModelV3FinishReason;
  inputTokens: number;
  /** A picture the demo "draws" when asked with `/image` (so generated files can be tested). */
  image?: Uint8Array;
  /** Reasoning tokens streamed before the text when asked with `/think` (so reasoning can be tested). */
  reasoning: string[];
  /** A tool call instead of text, on `use <tool> with {...}` (demo-tools.ts). */
  toolCall?: DemoToolCall;
}

/** The demo's "thoughts" on `/think ...`: fixed words around the request, the same every time. */
export function demoReasoning(request: string): string {
  return (
    // Quoted with the reply's own safe quoting, in plain quotes: reasoning is shown as plain text.
    `The user asked "${quotePrompt(request.replace(/^\s*\/think\b/, '')).replace(/^`|`$/g, '')}". ` +
    "I am the demo model, so I do not really think: this block only shows how a model's reasoning " +
    'streams before its answer, is kept with the reply, and is shown folded above it.'
  );
}

/** A small PNG: the demo's answer to `/image ...`, tinted by the request so two differ. */
async function drawImage(request: string): Promise<Uint8Array> {
  const { default: sharp } = await import('sharp');
  const hue = hashString(request) % 360;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96"><rect width="96" height="96" fill="hsl(${hue},70%,55%)"/><circle cx="48" cy="48" r="28" fill="white"/></svg>`;
  return new Uint8Array(await sharp(Buffer.from(svg)).png().toBuffer());
}

/**
 * The reply to a user message: what it carried (files, documents) when it carried any, then the
 * usual reply to its typed text. Deterministic, so "continue" can find where a cut-off reply was.
 */
async function replyTo(message: LanguageModelV3Prompt[number] | undefined): Promise<string> {
  if (message?.role !== 'user') return demoReply('');
  const { question, description } = await readUserMessage(message.content);
  const reply = demoReply(question);
  return description ? `${description}\n\n${reply}` : reply;
}

// Works out what to emit: the full reply, or only the rest of it when the prompt ends with a cut-off
// assistant message that is a prefix of the reply (the "continue" flow).
async function planReply(options: LanguageModelV3CallOptions): Promise<Plan> {
  const { prompt } = options;
  const inputTokens = countDemoTokens(promptText(prompt));
  if (isTitleRequest(prompt)) {
    const asked = [...prompt].reverse().find((message) => message.role === 'user');
    const title = asked?.role === 'user' ? demoTitle(textOf(asked.content)) : '';
    const tokens = tokenizeDemo(title).slice(0, options.maxOutputTokens ?? Number.POSITIVE_INFINITY);
    return { tokens, finishReason: { unified: 'stop', raw: 'stop' }, inputTokens, reasoning: [] };
  }
  const afterTools = toolResultsReply(prompt);
  if (afterTools !== undefined) {
    return {
      tokens: tokenizeDemo(afterTools),
      finishReason: { unified: 'stop', raw: 'stop' },
      inputTokens,
      reasoning: [],
    };
  }
  const last = prompt[prompt.length - 1];
  const partial = last?.role === 'assistant' ? textOf(last.content) : undefined;
  const searchEnd = partial === undefined ? prompt.length : prompt.length - 1;

  let question: LanguageModelV3Prompt[number] | undefined;
  for (let i = searchEnd - 1; i >= 0; i--) {
    if (prompt[i]?.role === 'user') {
      question = prompt[i];
      break;
    }
  }

  const reply = await replyTo(question);
  let remainder = reply;
  if (partial && reply.startsWith(partial)) remainder = reply.slice(partial.length);

  let tokens = tokenizeDemo(remainder);
  let finishReason: LanguageModelV3FinishReason = { unified: 'stop', raw: 'stop' };
  const max = options.maxOutputTokens;
  if (max !== undefined && tokens.length > max) {
    tokens = tokens.slice(0, Math.max(0, max));
    finishReason = { unified: 'length', raw: 'length' };
  }

  const asked =
    question?.role === 'user' ? textOf(question.content as { type: string; text?: string }[]) : '';
  const toolCall = partial === undefined ? plannedToolCall(options, asked) : undefined;
  if (toolCall) {
    return {
      tokens: [],
      finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
      inputTokens,
      reasoning: [],
      toolCall,
    };
  }
  const image = partial === undefined && /^\/image\b/.test(asked.trim()) ? await drawImage(asked) : undefined;
  // Like the image, only on a fresh reply: a continued one resumes its text, not its thinking.
  const reasoning =
    partial === undefined && /^\/think\b/.test(asked.trim()) ? tokenizeDemo(demoReasoning(asked)) : [];
  return { tokens, finishReason, inputTokens, image, reasoning };
}

function usageFor(inputTokens: number, outputTokens: number): LanguageModelV3Usage {
  return {
    inputTokens: { total: inputTokens, noCache: inputTokens, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: outputTokens, text: outputTokens, reasoning: undefined },
  };
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

export function createDemoModel(options: DemoModelOptions): LanguageModelV3 {
  const delayMs = Math.max(0, options.delayMs);

  return {
    specificationVersion: 'v3',
    provider: 'parley',
    modelId: 'demo',
    supportedUrls: {},

    async doGenerate(callOptions) {
      const signal = callOptions.abortSignal;
      options.onCall?.({ abortSignal: signal });
      if (signal?.aborted) throw abortReason(signal);

      const plan = await planReply(callOptions);
      return {
        content: plan.toolCall
          ? [{ type: 'tool-call', ...plan.toolCall }]
          : [{ type: 'text', text: plan.tokens.join('') }],
        finishReason: plan.finishReason,
        usage: usageFor(plan.inputTokens, plan.tokens.length),
        response: { id: `demo-${randomUUID()}`, modelId: 'demo', timestamp: new Date() },
        warnings: [],
      };
    },

    async doStream(callOptions) {
      const signal = callOptions.abortSignal;
      options.onCall?.({ abortSignal: signal });

      const plan = await planReply(callOptions);
      const { tokens, reasoning } = plan;
      let index = 0;
      let thought = 0;
      let phase: 'head' | 'reasoning' | 'body' | 'done' = 'head';
      let timer: ReturnType<typeof setTimeout> | undefined;
      let immediate: ReturnType<typeof setImmediate> | undefined;
      let wake: (() => void) | undefined;
      let closed = false;
      let onAbort: (() => void) | undefined;

      // Clears every pending timer and wakes a sleeping pull so nothing outlives the stream.
      const cleanup = () => {
        closed = true;
        if (timer !== undefined) clearTimeout(timer);
        if (immediate !== undefined) clearImmediate(immediate);
        timer = undefined;
        immediate = undefined;
        if (onAbort) signal?.removeEventListener('abort', onAbort);
        const resume = wake;
        wake = undefined;
        resume?.();
      };

      const sleep = (useTimer: boolean) =>
        new Promise<void>((resolve) => {
          wake = resolve;
          const done = () => {
            timer = undefined;
            immediate = undefined;
            wake = undefined;
            resolve();
          };
          if (useTimer) timer = setTimeout(done, delayMs);
          else immediate = setImmediate(done);
        });

      const stream = new ReadableStream<LanguageModelV3StreamPart>(
        {
          start(controller) {
            if (!signal) return;
            onAbort = () => {
              if (closed) return;
              cleanup();
              controller.error(abortReason(signal));
            };
            if (signal.aborted) onAbort();
            else signal.addEventListener('abort', onAbort, { once: true });
          },

          async pull(controller) {
            if (closed) return;
            if (phase === 'head') {
              controller.enqueue({ type: 'stream-start', warnings: [] });
              controller.enqueue({
                type: 'response-metadata',
                id: `demo-${randomUUID()}`,
                modelId: 'demo',
                timestamp: new Date(),
              });
              if (plan.toolCall) {
                phase = 'done';
                for (const part of toolCallParts(plan.toolCall)) controller.enqueue(part);
                controller.enqueue({
                  type: 'finish',
                  finishReason: plan.finishReason,
                  usage: usageFor(plan.inputTokens, countDemoTokens(plan.toolCall.input)),
                });
                cleanup();
                controller.close();
                return;
              }
              if (reasoning.length > 0) {
                phase = 'reasoning';
                controller.enqueue({ type: 'reasoning-start', id: REASONING_ID });
              } else {
                phase = 'body';
                controller.enqueue({ type: 'text-start', id: TEXT_ID });
              }
              return;
            }
            if (phase === 'done') return;

            if (phase === 'reasoning') {
              if (thought < reasoning.length) {
                // Paced like the text, so a reader sees the reasoning arrive live.
                if (thought > 0 && delayMs > 0) await sleep(true);
                if (closed) return;
                controller.enqueue({
                  type: 'reasoning-delta',
                  id: REASONING_ID,
                  delta: reasoning[thought] as string,
                });
                thought++;
                return;
              }
              phase = 'body';
              controller.enqueue({ type: 'reasoning-end', id: REASONING_ID });
              controller.enqueue({ type: 'text-start', id: TEXT_ID });
              return;
            }

            if (index < tokens.length) {
              // Pace tokens like a real model; the first one goes out right away.
              if (index > 0 && delayMs > 0) await sleep(true);
              else if (index > 0 && index % YIELD_EVERY === 0) await sleep(false);
              if (closed) return;
              controller.enqueue({ type: 'text-delta', id: TEXT_ID, delta: tokens[index] as string });
              index++;
              return;
            }

            phase = 'done';
            controller.enqueue({ type: 'text-end', id: TEXT_ID });
            if (plan.image) controller.enqueue({ type: 'file', mediaType: 'image/png', data: plan.image });
            controller.enqueue({
              type: 'finish',
              finishReason: plan.finishReason,
              usage: usageFor(plan.inputTokens, index),
            });
            cleanup();
            controller.close();
          },

          cancel() {
            cleanup();
          },
        },
        // Produce only on demand so a slow reader applies backpressure instead of buffering the whole reply.
        { highWaterMark: 0 },
      );

      return { stream };
    },
  };
}
