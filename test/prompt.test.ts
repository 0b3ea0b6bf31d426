import type { ModelMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { estimateTokens, fitToContext } from '../src/server/chat/prompt.js';

const turn = (i: number, size: number): ModelMessage[] => [
  { role: 'user', content: `question ${i} ${'x'.repeat(size)}` },
  { role: 'assistant', content: `answer ${i} ${'y'.repeat(size)}` },
];

describe('fitting the history to a context window', () => {
  it('keeps everything when there is no known window or it fits', () => {
    const messages = [...turn(1, 10), { role: 'user', content: 'last' } as ModelMessage];
    expect(fitToContext(messages, 'be brief', null)).toEqual(messages);
    expect(fitToContext(messages, 'be brief', 100_000)).toEqual(messages);
  });

  it('drops the oldest messages first and keeps the newest within the budget', () => {
    const messages = [
      ...turn(1, 4000),
      ...turn(2, 4000),
      ...turn(3, 4000),
      { role: 'user', content: 'now?' } as ModelMessage,
    ];
    const kept = fitToContext(messages, undefined, 4096);
    expect(kept.at(-1)).toEqual({ role: 'user', content: 'now?' });
    expect(kept.length).toBeLessThan(messages.length);
    expect(kept).toEqual(messages.slice(messages.length - kept.length));
    const used = kept.reduce((sum, m) => sum + estimateTokens(String(m.content)), 0);
    expect(used).toBeLessThanOrEqual(4096 - 1024);
  });

  it('always keeps the question, even when it alone is larger than the window', () => {
    const huge = { role: 'user', content: 'z'.repeat(100_000) } as ModelMessage;
    expect(fitToContext([...turn(1, 10), huge], 'system', 1000)).toEqual([huge]);
  });

  it('counts the system prompt against the window', () => {
    const messages = [...turn(1, 1000), { role: 'user', content: 'q' } as ModelMessage];
    const withoutSystem = fitToContext(messages, undefined, 1400);
    const withSystem = fitToContext(messages, 's'.repeat(3000), 1400);
    expect(withSystem.length).toBeLessThan(withoutSystem.length);
  });
});
