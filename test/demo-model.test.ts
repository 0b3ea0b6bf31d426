import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { generateText, streamText } from 'ai';
import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { documentTextPart } from '../src/server/ai/attachments.js';
import { createDemoModel, demoReasoning, demoReply, tokenizeDemo } from '../src/server/ai/demo-model.js';

const PROMPT = 'How do I make sourdough bread at home?';

async function collect(textStream: AsyncIterable<string>): Promise<string[]> {
  const deltas: string[] = [];
  for await (const delta of textStream) deltas.push(delta);
  return deltas;
}

describe('demoReply', () => {
  it('is deterministic and varies with the prompt', () => {
    expect(demoReply(PROMPT)).toBe(demoReply(PROMPT));
    expect(demoReply('What is the capital of France?')).not.toBe(demoReply('Write me a haiku about rain'));
  });

  it('is a useful markdown answer that explains it is a demo', () => {
    const reply = demoReply(PROMPT);
    expect(reply).toContain(PROMPT);
    expect(reply.toLowerCase()).toContain('demo');
    expect(reply).toContain('not a real LLM');
    expect(reply).toMatch(/OPENAI_API_KEY|ANTHROPIC_API_KEY|GOOGLE_GENERATIVE_AI_API_KEY|OLLAMA_BASE_URL/);
    expect(reply).toMatch(/^(- |\d+\. )/m);
    expect(reply.match(/^```/gm)).toHaveLength(2);
    expect(reply.endsWith('\n')).toBe(false);
    const count = tokenizeDemo(reply).length;
    expect(count).toBeGreaterThanOrEqual(150);
    expect(count).toBeLessThanOrEqual(320);
  });

  it('quotes long or hostile prompts safely', () => {
    const hostile = `<img src=x onerror=alert(1)> \`\`\`\n# heading\n${'a'.repeat(200)}`;
    const reply = demoReply(hostile);
    const quoted = reply.match(/`([^`\n]*)`/)?.[1] ?? '';
    expect(quoted).toContain('<img');
    expect(Array.from(quoted).length).toBeLessThanOrEqual(80);
    expect(reply).not.toContain('a'.repeat(100));
    expect(reply).not.toMatch(/^# heading/m);
    expect(demoReply('')).toContain('empty message');
  });
});

describe('tokenizeDemo', () => {
  it('is lossless', () => {
    const samples = [
      '',
      'hello',
      '  leading and trailing  ',
      'line one\nline two\n\n\ttabbed',
      '```ts\nconst x = 1;\n```\n',
      'unicode: héllo wörld 你好 🚀🎉 done',
      '\n\n\n',
      demoReply(PROMPT),
    ];
    for (const text of samples) {
      const tokens = tokenizeDemo(text);
      expect(tokens.join('')).toBe(text);
      expect(tokens.every((token) => token.length > 0)).toBe(true);
    }
    expect(tokenizeDemo('a b  c\n')).toEqual(['a ', 'b  ', 'c\n']);
  });
});

describe('createDemoModel through the AI SDK', () => {
  it('streams exactly demoReply(prompt), one delta per token', async () => {
    const result = streamText({ model: createDemoModel({ delayMs: 0 }), prompt: PROMPT });
    const deltas = await collect(result.textStream);
    expect(deltas.join('')).toBe(demoReply(PROMPT));
    expect(deltas.length).toBe(tokenizeDemo(demoReply(PROMPT)).length);
    expect(await result.finishReason).toBe('stop');
  });

  it('is deterministic across calls and differs between prompts', async () => {
    const model = createDemoModel({ delayMs: 0 });
    const a = await streamText({ model, prompt: PROMPT }).text;
    const b = await streamText({ model, prompt: PROMPT }).text;
    const c = await streamText({ model, prompt: 'Explain quantum tunnelling simply' }).text;
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(c).toBe(demoReply('Explain quantum tunnelling simply'));
  });

  it('answers the last user message of a conversation', async () => {
    const result = streamText({
      model: createDemoModel({ delayMs: 0 }),
      system: 'You are helpful.',
      messages: [
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: demoReply('first question') },
        { role: 'user', content: 'second question' },
      ],
    });
    expect(await result.text).toBe(demoReply('second question'));
  });

  it('reports usage', async () => {
    const result = streamText({ model: createDemoModel({ delayMs: 0 }), prompt: PROMPT });
    const text = await result.text;
    const usage = await result.usage;
    const total = await result.totalUsage;
    const promptTokens = tokenizeDemo(PROMPT).length;
    expect(usage.outputTokens).toBe(tokenizeDemo(text).length);
    expect(usage.inputTokens).toBe(promptTokens);
    expect(usage.outputTokenDetails.textTokens).toBe(usage.outputTokens);
    expect(total.outputTokens).toBe(usage.outputTokens);
    expect(total.inputTokens).toBe(promptTokens);
    expect(total.totalTokens).toBe(promptTokens + tokenizeDemo(text).length);
  });

  it('continues a cut-off assistant message with exactly the remainder', async () => {
    const full = demoReply(PROMPT);
    const tokens = tokenizeDemo(full);
    // One cut on a token boundary, one in the middle of a word.
    const cuts = [tokens.slice(0, 40).join(''), full.slice(0, 123)];
    for (const partial of cuts) {
      const result = streamText({
        model: createDemoModel({ delayMs: 0 }),
        messages: [
          { role: 'user', content: PROMPT },
          { role: 'assistant', content: partial },
        ],
      });
      const rest = await result.text;
      expect(rest).toBe(full.slice(partial.length));
      expect(partial + rest).toBe(full);
    }
  });

  it('restarts the reply when the assistant text is not a prefix', async () => {
    const result = streamText({
      model: createDemoModel({ delayMs: 0 }),
      messages: [
        { role: 'user', content: PROMPT },
        { role: 'assistant', content: 'Something else entirely' },
      ],
    });
    expect(await result.text).toBe(demoReply(PROMPT));
  });

  it('stops promptly on abort and the model sees the aborted signal', async () => {
    const signals: (AbortSignal | undefined)[] = [];
    const model = createDemoModel({ delayMs: 5, onCall: ({ abortSignal }) => signals.push(abortSignal) });
    const controller = new AbortController();
    const result = streamText({ model, prompt: PROMPT, abortSignal: controller.signal });

    const deltas: string[] = [];
    for await (const delta of result.textStream) {
      deltas.push(delta);
      if (deltas.length === 3) controller.abort();
    }

    const full = tokenizeDemo(demoReply(PROMPT)).length;
    expect(deltas.length).toBeGreaterThanOrEqual(3);
    expect(deltas.length).toBeLessThan(10);
    expect(deltas.length).toBeLessThan(full / 4);
    expect(demoReply(PROMPT).startsWith(deltas.join(''))).toBe(true);
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(true);
  });

  it('finishes with length when maxOutputTokens is reached', async () => {
    const result = streamText({
      model: createDemoModel({ delayMs: 0 }),
      prompt: PROMPT,
      maxOutputTokens: 12,
    });
    const deltas = await collect(result.textStream);
    expect(deltas).toHaveLength(12);
    expect(deltas.join('')).toBe(tokenizeDemo(demoReply(PROMPT)).slice(0, 12).join(''));
    expect(await result.finishReason).toBe('length');
    expect((await result.usage).outputTokens).toBe(12);
  });

  it('works with generateText', async () => {
    const model = createDemoModel({ delayMs: 0 });
    const result = await generateText({ model, prompt: PROMPT });
    expect(result.text).toBe(demoReply(PROMPT));
    expect(result.finishReason).toBe('stop');
    expect(result.usage.outputTokens).toBe(tokenizeDemo(result.text).length);

    const short = await generateText({ model, prompt: PROMPT, maxOutputTokens: 5 });
    expect(short.finishReason).toBe('length');
    expect(tokenizeDemo(short.text)).toHaveLength(5);
  });
});

describe('createDemoModel stream protocol', () => {
  async function readAll(stream: ReadableStream<LanguageModelV3StreamPart>) {
    const parts: LanguageModelV3StreamPart[] = [];
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return parts;
      parts.push(value);
    }
  }

  it('emits the V3 part sequence', async () => {
    const model = createDemoModel({ delayMs: 0 });
    expect(model.specificationVersion).toBe('v3');
    expect(model.provider).toBe('parley');
    expect(model.modelId).toBe('demo');
    const { stream } = await model.doStream({
      prompt: [{ role: 'user', content: [{ type: 'text', text: PROMPT }] }],
    });
    const parts = await readAll(stream);
    const types = parts.map((part) => part.type);
    expect(types.slice(0, 3)).toEqual(['stream-start', 'response-metadata', 'text-start']);
    expect(types.slice(-2)).toEqual(['text-end', 'finish']);
    const finish = parts.at(-1);
    expect(finish?.type === 'finish' && finish.finishReason).toEqual({ unified: 'stop', raw: 'stop' });
  });

  it('errors with the abort reason when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const { stream } = await createDemoModel({ delayMs: 5 }).doStream({
      prompt: [{ role: 'user', content: [{ type: 'text', text: PROMPT }] }],
      abortSignal: controller.signal,
    });
    await expect(readAll(stream)).rejects.toMatchObject({ name: 'AbortError' });
  });

  // Fake timers make the pending per-token delay visible, so a leaked timer fails the test.
  describe('timers', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    async function startPaced() {
      vi.useFakeTimers();
      const controller = new AbortController();
      const { stream } = await createDemoModel({ delayMs: 50 }).doStream({
        prompt: [{ role: 'user', content: [{ type: 'text', text: PROMPT }] }],
        abortSignal: controller.signal,
      });
      const reader = stream.getReader();
      // Three head parts plus the first delta need no timer.
      for (let i = 0; i < 4; i++) await reader.read();
      const pending = reader.read();
      await vi.advanceTimersByTimeAsync(0);
      expect(vi.getTimerCount()).toBe(1);
      await vi.advanceTimersByTimeAsync(50);
      expect((await pending).value).toMatchObject({ type: 'text-delta' });
      return { controller, reader };
    }

    it('clears the pending delay when the reader cancels', async () => {
      const { reader } = await startPaced();
      const pending = reader.read();
      await vi.advanceTimersByTimeAsync(0);
      expect(vi.getTimerCount()).toBe(1);
      await reader.cancel();
      expect((await pending).done).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('clears the pending delay and errors the stream on abort', async () => {
      const { controller, reader } = await startPaced();
      const pending = reader.read();
      await vi.advanceTimersByTimeAsync(0);
      expect(vi.getTimerCount()).toBe(1);
      controller.abort();
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});

describe('countDemoTokens', () => {
  it('counts exactly what tokenizeDemo makes, without building the tokens', async () => {
    const { countDemoTokens } = await import('../src/server/ai/demo-model.js');
    const samples = [
      '',
      ' ',
      '  lead',
      'a b  c\n\nd\t',
      demoReply('x'),
      `${demoReply('code please')}\n  \u00a0 x`,
      'end   ',
    ];
    for (const sample of samples)
      expect(countDemoTokens(sample), JSON.stringify(sample)).toBe(tokenizeDemo(sample).length);
  });
});

describe('createDemoModel with attachments', () => {
  const photo = () =>
    sharp({ create: { width: 640, height: 480, channels: 3, background: '#08f' } })
      .png()
      .toBuffer()
      .then((buffer) => new Uint8Array(buffer));
  const report = documentTextPart(
    'report.docx',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    5432,
    'Quarterly report for Parley\n\nRevenue grew in every region, and costs fell for the third quarter running.',
  );

  it('says what the last user message carried, then gives its usual reply to the typed text', async () => {
    const png = await photo();
    const result = streamText({
      model: createDemoModel({ delayMs: 0 }),
      messages: [
        { role: 'user', content: 'an earlier question' },
        { role: 'assistant', content: demoReply('an earlier question') },
        {
          role: 'user',
          content: [
            { type: 'text', text: PROMPT },
            { type: 'file', data: png, mediaType: 'image/png', filename: 'screenshot.png' },
            report,
          ],
        },
      ],
    });
    expect(await result.text).toBe(
      `I received 2 attachments: screenshot.png (image/png, ${png.byteLength.toLocaleString('en-US')} bytes, 640×480 pixels); ` +
        'report.docx (application/vnd.openxmlformats-officedocument.wordprocessingml.document, 5,432 bytes), ' +
        'which begins “Quarterly report for Parley Revenue grew in every region, and costs fell …”.' +
        `\n\n${demoReply(PROMPT)}`,
    );
  });

  it('describes one attachment, a short document whole, and an image it cannot read', async () => {
    const model = createDemoModel({ delayMs: 0 });
    const one = await generateText({
      model,
      messages: [
        {
          role: 'user',
          content: [{ type: 'text', text: documentTextPart('todo.txt', 'text/plain', 9, 'milk\neggs').text }],
        },
      ],
    });
    expect(one.text).toBe(
      `I received 1 attachment: todo.txt (text/plain, 9 bytes), which begins “milk eggs”.\n\n${demoReply('')}`,
    );

    const broken = await generateText({
      model,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'file', data: new Uint8Array([1, 2, 3]), mediaType: 'image/webp', filename: 'odd.webp' },
            { type: 'text', text: documentTextPart('blank.txt', 'text/plain', 0, '').text },
          ],
        },
      ],
    });
    expect(broken.text.split('\n\n')[0]).toBe(
      'I received 2 attachments: odd.webp (image/webp, 3 bytes, not a readable image); blank.txt (text/plain, 0 bytes), with no text.',
    );
  });

  it('continues a cut-off reply about attachments with exactly the remainder', async () => {
    const png = await photo();
    const user = {
      role: 'user' as const,
      content: [
        { type: 'text' as const, text: PROMPT },
        { type: 'file' as const, data: png, mediaType: 'image/png', filename: 'screenshot.png' },
      ],
    };
    const model = createDemoModel({ delayMs: 0 });
    const full = await generateText({ model, messages: [user] });
    expect(full.text.startsWith('I received 1 attachment: screenshot.png (image/png, ')).toBe(true);
    const partial = full.text.slice(0, 70);
    const rest = await streamText({ model, messages: [user, { role: 'assistant', content: partial }] }).text;
    expect(partial + rest).toBe(full.text);
  });
});

describe('createDemoModel with /think', () => {
  const THINK = '/think Why is the sky blue?';

  it('streams a deterministic reasoning block before its text', async () => {
    const model = createDemoModel({ delayMs: 0 });
    const { stream } = await model.doStream({
      prompt: [{ role: 'user', content: [{ type: 'text', text: THINK }] }],
    });
    const parts: LanguageModelV3StreamPart[] = [];
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
    }
    const types = parts.map((part) => part.type);
    const deltas = parts.filter((part) => part.type === 'reasoning-delta');
    expect(types.slice(0, 3)).toEqual(['stream-start', 'response-metadata', 'reasoning-start']);
    expect(types.indexOf('reasoning-end')).toBe(3 + deltas.length);
    expect(types[types.indexOf('reasoning-end') + 1]).toBe('text-start');
    expect(deltas.length).toBeGreaterThan(3);
    const reasoning = deltas.map((part) => (part.type === 'reasoning-delta' ? part.delta : '')).join('');
    expect(reasoning).toBe(demoReasoning(THINK));
    expect(reasoning).toContain('"Why is the sky blue?"');
  });

  it('is read by the AI SDK as reasoning, and the answer is the usual reply', async () => {
    const result = streamText({ model: createDemoModel({ delayMs: 0 }), prompt: THINK });
    expect(await result.reasoningText).toBe(demoReasoning(THINK));
    expect(await result.text).toBe(demoReply(THINK));
  });

  it('does not think again when continuing, nor without the command', async () => {
    const model = createDemoModel({ delayMs: 0 });
    const user = { role: 'user' as const, content: THINK };
    const partial = demoReply(THINK).slice(0, 50);
    const rest = streamText({ model, messages: [user, { role: 'assistant', content: partial }] });
    expect(await rest.reasoningText).toBeUndefined();
    expect(partial + (await rest.text)).toBe(demoReply(THINK));
    const plain = streamText({ model, prompt: 'think about /think' });
    expect(await plain.reasoningText).toBeUndefined();
  });
});
