/**
 * Example objects for the API contract. Each is checked against the schema it illustrates by the
 * OpenAPI test, so the documented examples cannot drift from what the server sends.
 */

const CONVERSATION_ID = '01964b7e-2f0a-7c3e-9a51-3f2d8c1e4b70';
const USER_MESSAGE_ID = '01964b7e-3a11-7d02-8b6e-5c0f9e2a1d34';
const REPLY_ID = '01964b7e-3a12-7f45-a9c3-2b7d6e8f0a19';
const RUN_ID = '01964b7e-3a12-7f46-b1d8-7e4c2a9f3b55';
const USER_ID = '01964b70-1c4d-7a8b-9e2f-4d6c8b0a2e13';
const AT = '2026-05-04T09:30:12.345Z';
const LATER = '2026-05-04T09:30:14.802Z';

export const ids = { CONVERSATION_ID, USER_MESSAGE_ID, REPLY_ID, RUN_ID, USER_ID };

export const error = (code: string, message: string) => ({ error: message, code });

export const conversation = {
  id: CONVERSATION_ID,
  title: 'Explain server-sent events',
  model: 'demo',
  systemPrompt: null,
  tools: [],
  temperature: null,
  maxOutputTokens: null,
  folderId: null,
  pinned: false,
  archived: false,
  createdAt: AT,
  updatedAt: LATER,
  activeRun: null,
};

const FOLDER_ID = '01964b7f-0b2c-7e11-8c4d-6a1b3c5d7e90';

export const folder = { id: FOLDER_ID, name: 'Research', createdAt: AT, updatedAt: AT };

export const userMessage = {
  id: USER_MESSAGE_ID,
  conversationId: CONVERSATION_ID,
  parentId: null,
  role: 'user',
  content: 'Explain server-sent events in one paragraph.',
  parts: [{ type: 'text', text: 'Explain server-sent events in one paragraph.' }],
  status: 'complete',
  model: null,
  usage: { inputTokens: null, outputTokens: null },
  finishReason: null,
  error: null,
  createdAt: AT,
  updatedAt: AT,
};

export const reply = {
  id: REPLY_ID,
  conversationId: CONVERSATION_ID,
  parentId: USER_MESSAGE_ID,
  role: 'assistant',
  content: 'Server-sent events (SSE) keep one HTTP response open and write events to it as they happen...',
  parts: [
    {
      type: 'text',
      text: 'Server-sent events (SSE) keep one HTTP response open and write events to it as they happen...',
    },
  ],
  status: 'complete',
  model: 'demo',
  usage: { inputTokens: 12, outputTokens: 86 },
  finishReason: 'stop',
  error: null,
  createdAt: AT,
  updatedAt: LATER,
};

export const pendingReply = {
  ...reply,
  content: '',
  parts: [],
  status: 'streaming',
  usage: { inputTokens: null, outputTokens: null },
  finishReason: null,
  updatedAt: AT,
};

export const runAccepted = {
  runId: RUN_ID,
  conversationId: CONVERSATION_ID,
  userMessage,
  assistantMessage: pendingReply,
};

export const user = {
  id: USER_ID,
  username: 'alice',
  displayName: 'Alice',
  role: 'admin',
  disabled: false,
  pending: false,
  createdAt: '2026-05-01T08:00:00.000Z',
  tokenQuotaDaily: null,
  tokenQuotaMonthly: null,
};

export const apiToken = {
  id: '01964b71-0d2e-7b3f-8c4a-1e5d7f9b2c60',
  name: 'laptop script',
  prefix: 'pk_3fA9',
  createdAt: '2026-05-02T10:15:00.000Z',
  lastUsedAt: null,
  tokensUsed: 0,
  dailyTokenBudget: 50000,
  usedToday: 0,
};

/** The SSE wire format of a short run (ids are sequence numbers within the run). */
export const runStream = [
  'id: 1',
  `data: {"type":"start","messageId":"${REPLY_ID}"}`,
  '',
  'id: 2',
  `data: {"type":"data-run","data":{"runId":"${RUN_ID}","conversationId":"${CONVERSATION_ID}","userMessageId":"${USER_MESSAGE_ID}","assistantMessageId":"${REPLY_ID}","kind":"reply","model":"demo"},"transient":true}`,
  '',
  'id: 3',
  'data: {"type":"start-step"}',
  '',
  'id: 4',
  'data: {"type":"text-start","id":"txt-0"}',
  '',
  'id: 5',
  'data: {"type":"text-delta","id":"txt-0","delta":"Server-sent "}',
  '',
  'id: 6',
  'data: {"type":"text-delta","id":"txt-0","delta":"events"}',
  '',
  'id: 7',
  'data: {"type":"text-end","id":"txt-0"}',
  '',
  'id: 8',
  'data: {"type":"finish-step"}',
  '',
  'id: 9',
  'data: {"type":"finish","finishReason":"stop","messageMetadata":{"status":"complete","usage":{"inputTokens":12,"outputTokens":2}}}',
  '',
  'id: 10',
  'data: [DONE]',
  '',
  '',
].join('\n');

export const eventStream = [
  'id: 1',
  'data: {"type":"ready"}',
  '',
  'id: 2',
  `data: {"type":"run.started","conversationId":"${CONVERSATION_ID}","runId":"${RUN_ID}","messageId":"${REPLY_ID}"}`,
  '',
  'id: 3',
  `data: {"type":"run.finished","conversationId":"${CONVERSATION_ID}","runId":"${RUN_ID}","messageId":"${REPLY_ID}","status":"complete"}`,
  '',
  '',
].join('\n');

export const completionStream = [
  'data: {"id":"chatcmpl-01964b7e3a12","object":"chat.completion.chunk","created":1777887012,"model":"demo","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}',
  '',
  'data: {"id":"chatcmpl-01964b7e3a12","object":"chat.completion.chunk","created":1777887012,"model":"demo","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]}',
  '',
  'data: {"id":"chatcmpl-01964b7e3a12","object":"chat.completion.chunk","created":1777887012,"model":"demo","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}',
  '',
  'data: [DONE]',
  '',
  '',
].join('\n');

export const parleyExport = {
  format: 'parley.conversation',
  version: 1,
  exportedAt: LATER,
  conversation: {
    id: CONVERSATION_ID,
    title: 'Explain server-sent events',
    model: 'demo',
    systemPrompt: null,
    temperature: null,
    maxOutputTokens: null,
    createdAt: AT,
    updatedAt: LATER,
  },
  messages: [
    {
      id: USER_MESSAGE_ID,
      parentId: null,
      role: 'user',
      content: 'Explain server-sent events in one paragraph.',
      status: 'complete',
      model: null,
      usage: { inputTokens: null, outputTokens: null },
      finishReason: null,
      createdAt: AT,
    },
    {
      id: REPLY_ID,
      parentId: USER_MESSAGE_ID,
      role: 'assistant',
      content: 'Server-sent events (SSE) keep one HTTP response open...',
      status: 'complete',
      model: 'demo',
      usage: { inputTokens: 12, outputTokens: 86 },
      finishReason: 'stop',
      createdAt: LATER,
    },
  ],
};

export const metricsText = [
  '# HELP parley_runs_started_total Runs (model replies) started, by model and kind (reply, regenerate, continue).',
  '# TYPE parley_runs_started_total counter',
  'parley_runs_started_total{model="demo",kind="reply"} 3',
  '# HELP parley_active_runs Runs streaming on this instance now.',
  '# TYPE parley_active_runs gauge',
  'parley_active_runs 1',
  '',
].join('\n');

export const fileInfo = {
  id: '0196f0b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b',
  name: 'screenshot.png',
  mediaType: 'image/png',
  size: 48213,
  createdAt: '2026-05-04T09:30:02.117Z',
};
