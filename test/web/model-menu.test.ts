import { describe, expect, it } from 'vitest';
import type { ModelInfo } from '../../src/web/api.js';
import {
  capabilityBadges,
  dollars,
  flatten,
  groupModels,
  priceLabel,
  step,
} from '../../src/web/components/model-menu.js';

const model = (id: string, provider: string, extra: Partial<ModelInfo> = {}): ModelInfo => ({
  id,
  provider,
  name: id,
  contextWindow: null,
  input: ['text'],
  available: true,
  breaker: null,
  price: null,
  tools: true,
  reasoning: false,
  ...extra,
});

const LIST = [
  model('demo', 'parley', { name: 'Demo' }),
  model('openai/gpt-4o', 'openai', { name: 'GPT-4o', input: ['text', 'image'] }),
  model('anthropic/claude', 'anthropic', { name: 'Claude', available: false }),
  model('openai/o3', 'openai', { name: 'o3', reasoning: true }),
];

describe('the model menu', () => {
  it('groups by provider in the server’s order, the demo last when real providers exist', () => {
    const groups = groupModels(LIST);
    expect(groups.map((group) => group.label)).toEqual(['OpenAI', 'Anthropic', 'Built in']);
    expect(flatten(groups).map((m) => m.id)).toEqual([
      'openai/gpt-4o',
      'openai/o3',
      'anthropic/claude',
      'demo',
    ]);
    expect(groupModels([model('demo', 'parley')]).map((group) => group.label)).toEqual(['Built in']);
  });

  it('searches names, ids and providers, every word', () => {
    expect(flatten(groupModels(LIST, 'openai')).map((m) => m.id)).toEqual(['openai/gpt-4o', 'openai/o3']);
    expect(flatten(groupModels(LIST, 'GPT 4o')).map((m) => m.id)).toEqual(['openai/gpt-4o']);
    expect(groupModels(LIST, 'nothing like it')).toEqual([]);
  });

  it('walks the available options with the arrows, wrapping round', () => {
    const shown = flatten(groupModels(LIST));
    expect(step(shown, -1, 1)).toBe(0);
    expect(step(shown, 1, 1)).toBe(3); // past the unavailable Claude
    expect(step(shown, 0, -1)).toBe(3);
    expect(step([], -1, 1)).toBe(-1);
  });

  it('prices per million tokens, free, or nothing when unknown; capability badges', () => {
    expect(priceLabel({ price: { input: 0.15, output: 0.6 } })).toBe('$0.15 / $0.60 per 1M tokens');
    expect(priceLabel({ price: { input: 0, output: 0 } })).toBe('free');
    expect(priceLabel({ price: null })).toBe('');
    expect([dollars(2), dollars(0.075), dollars(1.25)]).toEqual(['$2', '$0.075', '$1.25']);
    expect(capabilityBadges(LIST[1] as ModelInfo)).toEqual(['images', 'tools']);
    expect(capabilityBadges(LIST[3] as ModelInfo)).toEqual(['tools', 'reasoning']);
  });
});
