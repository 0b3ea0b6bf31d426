import { describe, expect, it } from 'vitest';
import { createDemoModel } from '../src/server/ai/demo-model.js';
import { createTestApp } from './helpers/test-app.js';

// What the model picker shows about each model: price per million tokens when known, and tools.
describe('GET /api/models: price and capabilities', () => {
  it('lists the built-in price, free for local ones, null when unknown; tools for all but the local model', async () => {
    const t = await createTestApp({
      models: [
        {
          id: 'openai/gpt-4o-mini',
          model: createDemoModel({ delayMs: 0 }),
          info: { provider: 'openai', name: 'GPT-4o mini' },
        },
        {
          id: 'local/tiny',
          model: createDemoModel({ delayMs: 0 }),
          info: { provider: 'local', name: 'Tiny' },
        },
        { id: 'vllm/x', model: createDemoModel({ delayMs: 0 }), info: { provider: 'vllm', name: 'X' } },
      ],
    });
    try {
      const res = await t.app.inject({ method: 'GET', url: '/api/models' });
      expect(res.statusCode).toBe(200);
      const { models } = res.json() as {
        models: { id: string; price: unknown; tools: boolean; reasoning: boolean }[];
      };
      const byId = Object.fromEntries(models.map((model) => [model.id, model]));
      expect(byId['openai/gpt-4o-mini']).toMatchObject({
        price: { input: 0.15, output: 0.6 },
        tools: true,
        reasoning: false,
      });
      expect(byId['local/tiny']).toMatchObject({ price: { input: 0, output: 0 }, tools: false });
      expect(byId['vllm/x']).toMatchObject({ price: null, tools: true });
      expect(byId.demo).toMatchObject({ price: { input: 0, output: 0 }, tools: true });
    } finally {
      await t.close();
    }
  });
});
