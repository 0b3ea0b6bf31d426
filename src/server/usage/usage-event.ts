import type { ModelRegistry } from '../ai/model-registry.js';
import { costMicros, priceOf } from '../ai/prices.js';
import { newId } from '../ids.js';
import type { NewUsageEvent } from '../store/schema.js';

/** Where tokens were spent: a chat run, a call of the OpenAI-compatible API (/v1), or a conversation's title. */
export type UsageSource = 'chat' | 'api' | 'title';

/**
 * The usage event of one run or /v1 completion, priced now: the model's price at the moment it
 * was spent is what the reports show later, whatever the price table says by then.
 */
export function usageEvent(
  models: Pick<ModelRegistry, 'get'>,
  spent: {
    userId: string;
    modelId: string;
    source: UsageSource;
    inputTokens: number;
    outputTokens: number;
    apiTokenId?: string | null;
    /** Milliseconds from the model call's start to its first streamed token; absent when none came. */
    ttftMs?: number | null;
    /** The model call failed (its tokens, possibly 0, still count). */
    failed?: boolean;
    at: Date;
  },
): NewUsageEvent {
  const info = models.get(spent.modelId)?.info;
  const inputTokens = Math.max(0, Math.round(spent.inputTokens));
  const outputTokens = Math.max(0, Math.round(spent.outputTokens));
  const iso = spent.at.toISOString();
  return {
    id: newId(),
    user_id: spent.userId,
    api_token_id: spent.apiTokenId ?? null,
    model: spent.modelId,
    provider: info?.provider ?? spent.modelId.split('/')[0] ?? 'unknown',
    source: spent.source,
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    cost_micros: info ? costMicros(priceOf(info), inputTokens, outputTokens) : null,
    day: iso.slice(0, 10),
    created_at: iso,
    ttft_ms: spent.ttftMs == null ? null : Math.max(0, Math.round(spent.ttftMs)),
    failed: spent.failed ? 1 : 0,
  };
}
