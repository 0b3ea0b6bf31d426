export interface SseEvent {
  id: number | null;
  data: string;
}

/** Parse SSE wire text into events; comments (heartbeats) are skipped. */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split('\n\n')) {
    let id: number | null = null;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) id = Number(line.slice(4));
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length > 0) events.push({ id, data: data.join('\n') });
  }
  return events;
}

/** The text a client would show: the concatenated text deltas. */
export function textOf(events: SseEvent[]): string {
  return events
    .filter((event) => event.data !== '[DONE]')
    .map((event) => JSON.parse(event.data) as { type: string; delta?: string })
    .filter((part) => part.type === 'text-delta')
    .map((part) => part.delta)
    .join('');
}

export function partsOf(events: SseEvent[]): { type: string; [key: string]: unknown }[] {
  return events.filter((event) => event.data !== '[DONE]').map((event) => JSON.parse(event.data));
}

/**
 * Read an SSE response over a real socket, event by event. `stopAfter` drops the connection
 * after that many events (like a flaky network); otherwise reads to the end.
 */
export async function readSse(response: Response, stopAfter?: number): Promise<SseEvent[]> {
  if (!response.body) throw new Error('response has no body');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseEvent[] = [];
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      events.push(...parseSse(buffer.slice(0, end + 2)));
      buffer = buffer.slice(end + 2);
      if (stopAfter !== undefined && events.length >= stopAfter) {
        await reader.cancel();
        return events;
      }
      end = buffer.indexOf('\n\n');
    }
  }
  return events;
}

/** A reader of the raw response text, for tests that look at the wire itself. */
export function textReader(response: Response): ReadableStreamDefaultReader<string> {
  if (!response.body) throw new Error('response has no body');
  return response.body.pipeThrough(new TextDecoderStream()).getReader();
}
