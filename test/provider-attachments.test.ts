import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import type { ModelMessage } from 'ai';
import pino from 'pino';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { documentTextPart, parseDocumentHeader } from '../src/server/ai/attachments.js';
import { demoReply } from '../src/server/ai/demo-model.js';
import { DEFAULT_IMAGE_LIMITS, type ModelRegistry } from '../src/server/ai/model-registry.js';
import { createModelRegistry } from '../src/server/ai/models.js';
import { imageLimitsFor, PROVIDERS } from '../src/server/ai/providers/index.js';
import { streamModel } from '../src/server/ai/stream-model.js';
import { ConfigError } from '../src/server/config.js';
import { startFakeAnthropic } from './helpers/fake-providers/anthropic.js';
import type { FakeServer, RecordedRequest } from './helpers/fake-providers/fake-server.js';
import { startFakeGoogle } from './helpers/fake-providers/google.js';
import { startFakeOllama } from './helpers/fake-providers/ollama.js';
import { startFakeOpenAI } from './helpers/fake-providers/openai.js';
import { startFakeOpenAICompatible } from './helpers/fake-providers/openai-compatible.js';
import { testConfig } from './helpers/test-app.js';

// Attachments on the wire: each provider family is built by Parley's own provider code (settings →
// registry → the model the run path calls), pointed at a local server that speaks its protocol, and
// the recorded request body must carry the image and PDF in that provider's real format, with the
// exact bytes. Also: what each model says it reads (GET /api/models `input`) and its image limits.

type Env = Record<string, string>;

const logger = pino({ level: 'silent' });
const SYSTEM = 'You are terse.';
const QUESTION = 'What is in these?';

let tmp: string;
let PNG: Uint8Array;
// Any bytes starting with the PDF signature will do: the providers pass PDFs through unread.
const PDF = new TextEncoder().encode('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n');

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'parley-attachments-'));
  PNG = new Uint8Array(
    await sharp({ create: { width: 4, height: 3, channels: 3, background: '#c03' } })
      .png()
      .toBuffer(),
  );
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const fakes: FakeServer[] = [];
afterEach(async () => {
  for (const server of fakes.splice(0)) await server.close();
});

async function fake(start: Promise<FakeServer>): Promise<FakeServer> {
  const server = await start;
  fakes.push(server);
  return server;
}

function registryFrom(env: Env): Promise<ModelRegistry> {
  return createModelRegistry(testConfig(env), { logger, env });
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const bytesOf = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

/** A user message with text, a PNG and (when asked) a PDF, as the prompt builder makes it. */
function withAttachments(pdf: boolean): ModelMessage[] {
  return [
    {
      role: 'user',
      content: [
        { type: 'text', text: QUESTION },
        { type: 'file', data: PNG, mediaType: 'image/png', filename: 'screenshot.png' },
        ...(pdf
          ? [{ type: 'file' as const, data: PDF, mediaType: 'application/pdf', filename: 'report.pdf' }]
          : []),
      ],
    },
  ];
}

/** Streams a reply the way a Parley run calls the model; an error part is thrown. */
async function reply(registry: ModelRegistry, id: string, messages: ModelMessage[]): Promise<string> {
  const entry = registry.get(id);
  if (!entry) throw new Error(`no model ${id}`);
  const stream = await streamModel({
    model: entry.model,
    system: SYSTEM,
    messages,
    abortSignal: new AbortController().signal,
  });
  let text = '';
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text;
    const part: LanguageModelV3StreamPart = value;
    if (part.type === 'error') throw part.error;
    if (part.type === 'text-delta') text += part.delta;
  }
}

/** A data URL's base64, checked to be of the given media type. */
function dataUrlBytes(url: string, mediaType: string): Uint8Array {
  const prefix = `data:${mediaType};base64,`;
  expect(url.startsWith(prefix)).toBe(true);
  return bytesOf(url.slice(prefix.length));
}

/** OpenAI Chat Completions content, which OpenAI-compatible servers share. */
function expectOpenAIChatContent(request: RecordedRequest, pdf: boolean): void {
  const [system, user] = request.body.messages;
  expect(system).toEqual({ role: 'system', content: SYSTEM });
  expect(user.role).toBe('user');
  expect(user.content).toEqual([
    { type: 'text', text: QUESTION },
    { type: 'image_url', image_url: { url: `data:image/png;base64,${base64(PNG)}` } },
    ...(pdf
      ? [
          {
            type: 'file',
            file: { filename: 'report.pdf', file_data: `data:application/pdf;base64,${base64(PDF)}` },
          },
        ]
      : []),
  ]);
  expect(dataUrlBytes(user.content[1].image_url.url, 'image/png')).toEqual(PNG);
  if (pdf) expect(dataUrlBytes(user.content[2].file.file_data, 'application/pdf')).toEqual(PDF);
}

async function modelsFile(name: string, endpoint: object): Promise<string> {
  const file = path.join(tmp, name);
  await writeFile(file, JSON.stringify({ endpoints: [endpoint] }));
  return file;
}

interface WireCase {
  name: string;
  start: () => Promise<FakeServer>;
  env: (server: FakeServer) => Promise<Env> | Env;
  model: string;
  /** Whether the model reads PDFs natively (then one is sent too). */
  pdf: boolean;
  expectBody: (request: RecordedRequest) => void;
}

const cases: WireCase[] = [
  {
    name: 'OpenAI chat completions',
    start: () => startFakeOpenAI(),
    env: (server) => ({
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: server.baseURL,
      OPENAI_MODELS: 'gpt-4o',
    }),
    model: 'openai/gpt-4o',
    pdf: true,
    expectBody: (request) => {
      expect(request.path).toBe('/v1/chat/completions');
      expectOpenAIChatContent(request, true);
    },
  },
  {
    name: 'Anthropic messages',
    start: () => startFakeAnthropic(),
    env: (server) => ({ ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: server.origin }),
    model: 'anthropic/claude-sonnet-4-5',
    pdf: true,
    expectBody: (request) => {
      expect(request.path).toBe('/v1/messages');
      expect(request.body.system).toEqual([{ type: 'text', text: SYSTEM }]);
      const [user] = request.body.messages;
      expect(user.role).toBe('user');
      expect(user.content).toHaveLength(3);
      expect(user.content[0]).toEqual({ type: 'text', text: QUESTION });
      expect(user.content[1]).toEqual({
        type: 'image',
        source: { type: 'base64', media_type: 'image/png', data: base64(PNG) },
      });
      expect(user.content[2]).toMatchObject({
        type: 'document',
        source: { type: 'base64', media_type: 'application/pdf', data: base64(PDF) },
      });
      expect(bytesOf(user.content[1].source.data)).toEqual(PNG);
      expect(bytesOf(user.content[2].source.data)).toEqual(PDF);
    },
  },
  {
    name: 'Google Gemini',
    start: () => startFakeGoogle(),
    env: (server) => ({
      GOOGLE_GENERATIVE_AI_API_KEY: 'goog-test',
      GOOGLE_GENERATIVE_AI_BASE_URL: server.baseURL,
    }),
    model: 'google/gemini-2.5-flash',
    pdf: true,
    expectBody: (request) => {
      expect(request.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
      expect(request.body.systemInstruction).toEqual({ parts: [{ text: SYSTEM }] });
      expect(request.body.contents).toEqual([
        {
          role: 'user',
          parts: [
            { text: QUESTION },
            { inlineData: { mimeType: 'image/png', data: base64(PNG) } },
            { inlineData: { mimeType: 'application/pdf', data: base64(PDF) } },
          ],
        },
      ]);
      const [, image, pdf] = request.body.contents[0].parts;
      expect(bytesOf(image.inlineData.data)).toEqual(PNG);
      expect(bytesOf(pdf.inlineData.data)).toEqual(PDF);
    },
  },
  {
    name: 'Ollama',
    start: () => startFakeOllama({ models: ['llava:latest'] }),
    env: (server) => ({ OLLAMA_BASE_URL: server.origin }),
    model: 'ollama/llava:latest',
    pdf: false,
    expectBody: (request) => {
      expect(request.path).toBe('/api/chat');
      // Images ride on the message as plain base64 strings (no data: prefix), the text as content.
      expect(request.body.messages).toEqual([
        { role: 'system', content: SYSTEM },
        { role: 'user', content: QUESTION, images: [base64(PNG)] },
      ]);
      expect(bytesOf(request.body.messages[1].images[0])).toEqual(PNG);
    },
  },
  {
    name: 'an OpenAI-compatible endpoint (MODELS_FILE, input: [text, image])',
    start: () => startFakeOpenAICompatible(),
    env: async (server) => ({
      MODELS_FILE: await modelsFile('wire-image.json', {
        name: 'vllm',
        baseURL: server.baseURL,
        models: [{ id: 'qwen2.5-vl-7b', input: ['text', 'image'] }],
      }),
    }),
    model: 'vllm/qwen2.5-vl-7b',
    pdf: false,
    expectBody: (request) => {
      expect(request.path).toBe('/custom/v1/chat/completions');
      expectOpenAIChatContent(request, false);
    },
  },
  {
    name: 'an OpenAI-compatible endpoint (MODELS_FILE, input: [text, image, pdf])',
    start: () => startFakeOpenAICompatible(),
    env: async (server) => ({
      MODELS_FILE: await modelsFile('wire-pdf.json', {
        name: 'router',
        baseURL: server.baseURL,
        models: [{ id: 'vision-docs', input: ['text', 'image', 'pdf'] }],
      }),
    }),
    model: 'router/vision-docs',
    pdf: true,
    expectBody: (request) => {
      expect(request.path).toBe('/custom/v1/chat/completions');
      expectOpenAIChatContent(request, true);
    },
  },
];

describe.each(cases)('attachments on the wire: $name', (c) => {
  it('sends the image (and PDF) in the provider format, with the exact bytes', async () => {
    const server = await fake(c.start());
    const registry = await registryFrom(await c.env(server));
    // The model says it reads what is about to be sent.
    const listed = registry.list().find((m) => m.id === c.model);
    expect(listed?.input).toEqual(c.pdf ? ['text', 'image', 'pdf'] : ['text', 'image']);

    const text = await reply(registry, c.model, withAttachments(c.pdf));
    expect(text).toBe('Hello from the fake provider.');
    expect(server.calls).toHaveLength(1);
    c.expectBody(server.calls[0] as RecordedRequest);
  });
});

describe('Ollama file parts', () => {
  it('refuses a PDF with a clear error instead of dropping it', async () => {
    const server = await fake(startFakeOllama({ models: ['llava:latest'] }));
    const registry = await registryFrom({ OLLAMA_BASE_URL: server.origin });
    await expect(reply(registry, 'ollama/llava:latest', withAttachments(true))).rejects.toThrow(
      'Ollama models read text and images only; report.pdf (application/pdf) cannot be sent. Pick a model that takes PDFs.',
    );
    expect(server.calls).toHaveLength(0);
  });

  it('sends an image given as base64 text unchanged', async () => {
    const server = await fake(startFakeOllama({ models: ['llava:latest'] }));
    const registry = await registryFrom({ OLLAMA_BASE_URL: server.origin });
    await reply(registry, 'ollama/llava:latest', [
      { role: 'user', content: [{ type: 'file', data: base64(PNG), mediaType: 'image/png' }] },
    ]);
    expect(server.calls[0]?.body.messages[1].images).toEqual([base64(PNG)]);
  });
});

describe('what each model reads (GET /api/models `input`)', () => {
  it('comes from the provider table, and from MODELS_FILE `input`', async () => {
    const ollama = await fake(
      startFakeOllama({ models: ['llava:13b', 'llama3.2:latest', 'qwen2.5vl:7b', 'gemma3:1b', 'gemma3:4b'] }),
    );
    const file = await modelsFile('listed.yaml', {
      name: 'groq',
      baseURL: 'https://api.groq.com/openai/v1',
      apiKey: 'gsk-test',
      models: [
        { id: 'llama-4-scout', input: ['image'] },
        { id: 'llama-3.3-70b' },
        { id: 'doc-reader', input: ['pdf', 'text', 'pdf'] },
      ],
    });
    const registry = await registryFrom({
      OPENAI_API_KEY: 'sk',
      OPENAI_MODELS: 'gpt-4o,gpt-4o-mini,gpt-4.1-nano,gpt-5.1,o3-mini,gpt-3.5-turbo,gpt-4-turbo',
      ANTHROPIC_API_KEY: 'sk-ant',
      ANTHROPIC_MODELS: 'claude-sonnet-4-5,claude-3-5-haiku-latest,claude-2.1',
      GOOGLE_GENERATIVE_AI_API_KEY: 'goog',
      OLLAMA_BASE_URL: ollama.origin,
      MODELS_FILE: file,
    });
    const input = Object.fromEntries(registry.list().map((m) => [m.id, m.input]));
    const all = ['text', 'image', 'pdf'];
    expect(input).toEqual({
      demo: all,
      'openai/gpt-4o': all,
      'openai/gpt-4o-mini': all,
      'openai/gpt-4.1-nano': all,
      'openai/gpt-5.1': all,
      'openai/o3-mini': all,
      'openai/gpt-3.5-turbo': ['text'],
      'openai/gpt-4-turbo': ['text'],
      'anthropic/claude-sonnet-4-5': all,
      'anthropic/claude-3-5-haiku-latest': all,
      'anthropic/claude-2.1': ['text'],
      'google/gemini-2.5-flash': all,
      'google/gemini-2.5-pro': all,
      'ollama/llava:13b': ['text', 'image'],
      'ollama/llama3.2:latest': ['text'],
      'ollama/qwen2.5vl:7b': ['text', 'image'],
      'ollama/gemma3:1b': ['text'],
      'ollama/gemma3:4b': ['text', 'image'],
      // Text is implied, duplicates go, and the order is always text, image, pdf.
      'groq/llama-4-scout': ['text', 'image'],
      'groq/llama-3.3-70b': ['text'],
      'groq/doc-reader': ['text', 'pdf'],
    });
  });

  it.each([
    ['llava:7b', ['text', 'image']],
    ['bakllava:latest', ['text', 'image']],
    ['llava-llama3:8b', ['text', 'image']],
    ['llama3.2-vision:11b', ['text', 'image']],
    ['gemma3:latest', ['text', 'image']],
    ['gemma3:270m', ['text']],
    ['gemma3n:e4b', ['text']],
    ['qwen2.5vl:3b', ['text', 'image']],
    ['qwen2.5-vl:7b', ['text', 'image']],
    ['minicpm-v:8b', ['text', 'image']],
    ['moondream:latest', ['text', 'image']],
    ['granite3.2-vision:2b', ['text', 'image']],
    ['mistral-small3.1:24b', ['text', 'image']],
    ['mistral-small3.2:latest', ['text', 'image']],
    ['mistral-small:22b', ['text']],
    ['hf.co/someone/LLaVA-1.6-GGUF:Q4_K_M', ['text', 'image']],
    ['qwen2.5:7b', ['text']],
    ['llama3.2:latest', ['text']],
  ])('Ollama %s reads %j', (name, expected) => {
    const ollama = PROVIDERS.find((row) => row.id === 'ollama');
    expect(ollama?.input(name)).toEqual(expected);
  });

  it('every row declares what its models read and its image limits', () => {
    for (const row of PROVIDERS) {
      expect(row.input('any-model')).toContain('text');
      expect(row.imageLimits.maxDimension).toBeGreaterThan(0);
      expect(row.imageLimits.maxBytes).toBeGreaterThan(0);
    }
  });

  it('stops startup with one line for an unknown MODELS_FILE input', async () => {
    const file = await modelsFile('video.json', {
      name: 'vllm',
      baseURL: 'http://127.0.0.1:9/v1',
      models: [{ id: 'm' }, { id: 'clip', input: ['text', 'video'] }],
    });
    const error = await registryFrom({ MODELS_FILE: file }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      `Invalid setting MODELS_FILE=${JSON.stringify(file)}: endpoints[0].models[1].input[1] is "video"; expected one of text, image, pdf.`,
    );
    expect((error as Error).message).not.toContain('\n');
  });

  it('stops startup with one line when MODELS_FILE input is not a list', async () => {
    const file = await modelsFile('not-a-list.json', {
      name: 'vllm',
      baseURL: 'http://127.0.0.1:9/v1',
      models: [{ id: 'm', input: 'image' }],
    });
    await expect(registryFrom({ MODELS_FILE: file })).rejects.toThrow(
      `Invalid setting MODELS_FILE=${JSON.stringify(file)}: endpoints[0].models[0].input must be a list.`,
    );
  });
});

describe('image limits per provider', () => {
  it('are on the table rows and answered by the registry per model id', async () => {
    const ollama = await fake(startFakeOllama({ models: ['llava:latest'] }));
    const file = await modelsFile('limits.json', {
      name: 'groq',
      baseURL: 'https://api.groq.com/openai/v1',
      models: [{ id: 'm' }],
    });
    const registry = await registryFrom({
      OPENAI_API_KEY: 'sk',
      OPENAI_MODELS: 'gpt-4o',
      ANTHROPIC_API_KEY: 'sk-ant',
      ANTHROPIC_MODELS: 'claude-sonnet-4-5',
      GOOGLE_GENERATIVE_AI_API_KEY: 'goog',
      GOOGLE_MODELS: 'gemini-2.5-flash',
      OLLAMA_BASE_URL: ollama.origin,
      MODELS_FILE: file,
    });
    const MB = 1024 * 1024;
    expect(registry.imageLimits('openai/gpt-4o')).toEqual({ maxDimension: 2048, maxBytes: 20 * MB });
    // Anthropic's 5 MB is counted on the base64 text: 3/4 of it in raw bytes.
    expect(registry.imageLimits('anthropic/claude-sonnet-4-5')).toEqual({
      maxDimension: 1568,
      maxBytes: (5 * MB * 3) / 4,
    });
    expect(Math.ceil(((5 * MB * 3) / 4 / 3) * 4)).toBeLessThanOrEqual(5 * MB);
    expect(registry.imageLimits('google/gemini-2.5-flash')).toEqual({
      maxDimension: 3072,
      maxBytes: 20 * MB,
    });
    expect(registry.imageLimits('ollama/llava:latest')).toEqual({ maxDimension: 1024, maxBytes: 10 * MB });
    expect(registry.imageLimits('groq/m')).toEqual({ maxDimension: 2048, maxBytes: 10 * MB });
    expect(registry.imageLimits('demo')).toEqual(DEFAULT_IMAGE_LIMITS);
    expect(registry.imageLimits('no/such-model')).toEqual(DEFAULT_IMAGE_LIMITS);
    // The same numbers by provider id, for code that has a listed model rather than an id.
    expect(imageLimitsFor('openai')).toEqual(registry.imageLimits('openai/gpt-4o'));
    expect(imageLimitsFor('anthropic')).toEqual(registry.imageLimits('anthropic/claude-sonnet-4-5'));
    expect(imageLimitsFor('groq')).toEqual(DEFAULT_IMAGE_LIMITS);
    expect(imageLimitsFor('parley')).toEqual(DEFAULT_IMAGE_LIMITS);
  });
});

describe('document text parts', () => {
  it('have a one-line header that parses back', () => {
    const part = documentTextPart('report.docx', 'application/msword', 5432, 'Quarterly report\nLine two');
    expect(part).toEqual({
      type: 'text',
      text: '[file: report.docx (application/msword, 5432 bytes)]\nQuarterly report\nLine two',
    });
    expect(parseDocumentHeader(part.text)).toEqual({
      filename: 'report.docx',
      mediaType: 'application/msword',
      size: 5432,
      text: 'Quarterly report\nLine two',
    });
  });

  it('keep awkward filenames on the header line, and parse them back', () => {
    const part = documentTextPart('notes (final)\n v2.txt', 'text/plain', 12, 'hello');
    expect(part.text.split('\n')[0]).toBe('[file: notes (final)  v2.txt (text/plain, 12 bytes)]');
    expect(parseDocumentHeader(part.text)).toMatchObject({ filename: 'notes (final)  v2.txt', size: 12 });
    expect(parseDocumentHeader(documentTextPart('empty.txt', 'text/plain', 0, '').text)).toEqual({
      filename: 'empty.txt',
      mediaType: 'text/plain',
      size: 0,
      text: '',
    });
  });

  it('are told apart from ordinary text', () => {
    expect(parseDocumentHeader('Hello there')).toBeUndefined();
    expect(parseDocumentHeader('[file: x.txt]\nno type or size')).toBeUndefined();
    expect(parseDocumentHeader('Look: [file: a.txt (text/plain, 1 bytes)]')).toBeUndefined();
  });
});

describe('the demo model, through the run path', () => {
  it('describes the image, PDF and document it received, then gives its usual reply', async () => {
    const registry = await registryFrom({});
    const doc = documentTextPart(
      'notes.txt',
      'text/plain',
      2048,
      'Quarterly report for Parley: revenue grew, costs fell, and the team shipped file attachments on time.',
    );
    const text = await reply(registry, 'demo', [
      {
        role: 'user',
        content: [
          { type: 'text', text: QUESTION },
          { type: 'file', data: PNG, mediaType: 'image/png', filename: 'screenshot.png' },
          { type: 'file', data: PDF, mediaType: 'application/pdf', filename: 'report.pdf' },
          doc,
        ],
      },
    ]);
    expect(text).toBe(
      `I received 3 attachments: screenshot.png (image/png, ${PNG.byteLength} bytes, 4×3 pixels); ` +
        `report.pdf (application/pdf, ${PDF.byteLength} bytes); ` +
        'notes.txt (text/plain, 2,048 bytes), which begins “Quarterly report for Parley: revenue grew, costs fell, and the team shipped …”.' +
        `\n\n${demoReply(QUESTION)}`,
    );
  });
});
