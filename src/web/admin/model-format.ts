/** How the console writes a model's figures: an error rate and a time to first token ("—": none). */

export const errorRate = (rate: number | null) =>
  rate === null ? '—' : `${(rate * 100).toFixed(rate < 0.1 ? 1 : 0)}%`;
export const ttft = (ms: number | null) =>
  ms === null ? '—' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
