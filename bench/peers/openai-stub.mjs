// A local OpenAI-compatible server for the time-to-first-token benchmark: POST /v1/chat/completions
// with the real chat-completions SSE framing (chunks, a finish chunk, a usage chunk, [DONE]). The
// first token is written as soon as the request body has arrived; the rest follow on the next turns
// of the event loop. Usage: node bench/peers/openai-stub.mjs <port> [reply tokens]
import http from 'node:http';

const port = Number(process.argv[2] ?? 3200);
// Optional second argument: the reply's length in tokens (words); the default is a short reply.
const SHORT = 'Hello from the stub model, a short reply for measuring time to first token .'.split(' ');
const length = Number(process.argv[3] ?? SHORT.length);
const TOKENS = Array.from({ length }, (_, i) => SHORT[i % SHORT.length]).map((word, i, all) =>
  i < all.length - 1 ? `${word} ` : word,
);
let counter = 0;

function chunk(id, model, created, delta, finishReason) {
  return `data: ${JSON.stringify({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    system_fingerprint: 'stub',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  })}\n\n`;
}

function completion(res, body) {
  let parsed;
  try {
    parsed = JSON.parse(body);
  } catch {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'invalid JSON', type: 'invalid_request_error' } }));
    return;
  }
  const model = String(parsed.model ?? 'echo');
  const id = `chatcmpl-stub-${++counter}`;
  const created = Math.floor(Date.now() / 1000);
  const usage = { prompt_tokens: 10, completion_tokens: TOKENS.length, total_tokens: 10 + TOKENS.length };
  if (!parsed.stream) {
    const text = JSON.stringify({
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [
        { index: 0, message: { role: 'assistant', content: TOKENS.join('') }, finish_reason: 'stop' },
      ],
      usage,
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  // The first token at once, in the same write as the headers' flush.
  res.write(chunk(id, model, created, { role: 'assistant', content: TOKENS[0] }, null));
  let i = 1;
  const next = () => {
    if (res.destroyed) return;
    if (i < TOKENS.length) {
      res.write(chunk(id, model, created, { content: TOKENS[i++] }, null));
      setImmediate(next);
      return;
    }
    res.write(chunk(id, model, created, {}, 'stop'));
    if (parsed.stream_options?.include_usage) {
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`,
      );
    }
    res.end('data: [DONE]\n\n');
  };
  setImmediate(next);
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/v1/models') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data: [{ id: 'echo', object: 'model', owned_by: 'stub' }] }));
    return;
  }
  if (req.method === 'POST' && req.url === '/v1/chat/completions') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => completion(res, Buffer.concat(chunks).toString('utf8')));
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }));
});
server.keepAliveTimeout = 72_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
process.on('SIGTERM', () => process.exit(0));
