import { describe, expect, it } from 'vitest';
import type { MessagePartDto } from '../../src/shared/message-parts.js';
import type { RunStreamPart } from '../../src/shared/run-events.js';
import { argumentsText, formatDuration, toolStatus } from '../../src/web/components/ToolCard.js';
import type { LiveRun } from '../../src/web/hooks/use-run-follower.js';
import { applyPart, usesTools, withLiveReply } from '../../src/web/hooks/use-run-follower.js';
import { toggled, toolGroups } from '../../src/web/hooks/use-tools.js';
import {
  answerTool,
  foldChunk,
  foldChunks,
  hasToolParts,
  type LiveToolPart,
  mergeParts,
  NO_PARTS,
  textOf,
  waitingCalls,
} from '../../src/web/stream-parts.js';
import { message } from './hook-harness.js';

// Folding a run's stream into a reply's ordered parts: steps, text, reasoning and tool calls.

const chunks = (...parts: unknown[]) => parts as RunStreamPart[];
const text = (delta: string, id = 't1') => ({ type: 'text-delta', id, delta });

/** The stream of a reply that calls `everything/echo` without waiting, then answers. */
const echoRun = chunks(
  { type: 'start', messageId: 'm2' },
  { type: 'data-run', data: { kind: 'reply' } },
  { type: 'start-step' },
  { type: 'text-start', id: 't1' },
  text('Let me '),
  text('check.'),
  { type: 'text-end', id: 't1' },
  { type: 'tool-input-start', toolCallId: 'call_1', toolName: 'everything/echo', dynamic: true },
  { type: 'tool-input-delta', toolCallId: 'call_1', inputTextDelta: '{"message":' },
  { type: 'tool-input-delta', toolCallId: 'call_1', inputTextDelta: '"hi"}' },
  {
    type: 'tool-input-available',
    toolCallId: 'call_1',
    toolName: 'everything/echo',
    input: { message: 'hi' },
    dynamic: true,
  },
  { type: 'tool-output-available', toolCallId: 'call_1', output: 'Echo: hi', dynamic: true },
  { type: 'finish-step' },
  { type: 'start-step' },
  text('The tool said hi.', 't2'),
  { type: 'finish-step' },
  { type: 'finish', messageMetadata: { status: 'complete' } },
);

describe('foldChunk', () => {
  it('builds the parts of a reply that used a tool, in the order they came', () => {
    expect(foldChunks(echoRun).parts).toEqual([
      { type: 'step-start' },
      { type: 'text', text: 'Let me check.' },
      {
        type: 'dynamic-tool',
        toolCallId: 'call_1',
        toolName: 'everything/echo',
        state: 'output-available',
        input: { message: 'hi' },
        output: 'Echo: hi',
      },
      { type: 'step-start' },
      { type: 'text', text: 'The tool said hi.' },
    ]);
  });

  it('shows the arguments as they stream in, then parsed', () => {
    const start = echoRun.indexOf(echoRun.find((c) => c.type === 'tool-input-start') as RunStreamPart);
    const streaming = foldChunks(echoRun.slice(0, start + 3));
    expect(streaming.parts[2]).toEqual({
      type: 'dynamic-tool',
      toolCallId: 'call_1',
      toolName: 'everything/echo',
      state: 'input-available',
      input: undefined,
      inputText: '{"message":"hi"}',
    });
    const available = foldChunk(streaming, echoRun[start + 3] as RunStreamPart);
    // Parsed: the raw text goes, the call runs.
    expect(available.parts[2]).toEqual({
      type: 'dynamic-tool',
      toolCallId: 'call_1',
      toolName: 'everything/echo',
      state: 'input-available',
      input: { message: 'hi' },
    });
  });

  it('is pure: the state it is given never changes, and a chunk that changes nothing returns it', () => {
    const before = foldChunks(echoRun.slice(0, 6));
    const snapshot = structuredClone(before);
    const after = foldChunk(before, text(' more') as RunStreamPart);
    expect(before).toEqual(snapshot);
    expect(after).not.toBe(before);
    for (const quiet of chunks(
      { type: 'finish-step' },
      { type: 'text-start', id: 'x' },
      { type: 'data-run', data: { kind: 'reply' } },
      { type: 'finish', messageMetadata: { status: 'complete' } },
      { type: 'tool-input-delta', toolCallId: 'unknown', inputTextDelta: '{' },
      text(''),
    ))
      expect(foldChunk(before, quiet)).toBe(before);
  });

  it('keeps reasoning, text and a tool call of one step apart, in order', () => {
    const state = foldChunks(
      chunks(
        { type: 'start-step' },
        { type: 'reasoning-start', id: 'r1' },
        { type: 'reasoning-delta', id: 'r1', delta: 'I should ' },
        { type: 'reasoning-delta', id: 'r1', delta: 'look.' },
        { type: 'reasoning-end', id: 'r1' },
        text('Looking.'),
        { type: 'tool-input-available', toolCallId: 'c', toolName: 's/t', input: {} },
        { type: 'tool-output-error', toolCallId: 'c', errorText: 'Boom' },
        { type: 'start-step' },
        { type: 'reasoning-delta', id: 'r2', delta: 'It failed.' },
        text('Sorry.'),
      ),
    );
    expect(state.parts.map((part) => part.type)).toEqual([
      'step-start',
      'reasoning',
      'text',
      'dynamic-tool',
      'step-start',
      'reasoning',
      'text',
    ]);
    expect(state.parts[1]).toEqual({ type: 'reasoning', text: 'I should look.' });
    expect(state.parts[3]).toMatchObject({ state: 'output-error', errorText: 'Boom', input: {} });
  });

  it('marks a call that waits for approval, and one the model sent bad arguments for', () => {
    const state = foldChunks(
      chunks(
        { type: 'start-step' },
        { type: 'tool-input-available', toolCallId: 'a', toolName: 'every/echo', input: { message: 'x' } },
        { type: 'tool-approval-request', approvalId: 'a', toolCallId: 'a' },
        {
          type: 'tool-input-error',
          toolCallId: 'b',
          toolName: 'every/add',
          input: '{bad',
          errorText: 'Invalid JSON',
        },
        { type: 'finish-step' },
        { type: 'finish', messageMetadata: { status: 'waiting' } },
      ),
    );
    expect(state.parts[1]).toMatchObject({ state: 'approval-requested', approval: { id: 'a' } });
    expect(state.parts[2]).toMatchObject({
      toolCallId: 'b',
      state: 'output-error',
      input: '{bad',
      errorText: 'Invalid JSON',
    });
    expect(waitingCalls(state.parts).map((part) => part.toolCallId)).toEqual(['a']);
  });

  it('shows a non-text output as JSON, and a file the model made in its place', () => {
    const state = foldChunks(
      chunks(
        { type: 'tool-input-available', toolCallId: 'c', toolName: 's/t', input: {} },
        { type: 'tool-output-available', toolCallId: 'c', output: { sum: 3 } },
        { type: 'file', url: '/api/files/f1', mediaType: 'image/png' },
      ),
    );
    expect(state.parts[0]).toMatchObject({ output: '{\n  "sum": 3\n}' });
    expect(state.parts[1]).toMatchObject({ type: 'file', fileId: 'f1', mediaType: 'image/png' });
  });

  it('keeps the outputs of earlier runs’ calls apart (a resume settles them)', () => {
    const state = foldChunks(
      chunks(
        { type: 'start', messageId: 'm2' },
        { type: 'data-run', data: { kind: 'resume' } },
        { type: 'tool-output-available', toolCallId: 'call_1', output: 'Echo: hello' },
        { type: 'tool-output-denied', toolCallId: 'call_2' },
        { type: 'start-step' },
        text('Done.'),
      ),
    );
    expect(state.settled).toEqual({
      call_1: { state: 'output-available', output: 'Echo: hello' },
      call_2: { state: 'output-denied', approval: { id: 'call_2', approved: false } },
    });
    expect(state.parts).toEqual([{ type: 'step-start' }, { type: 'text', text: 'Done.' }]);
  });
});

/** A reply that waits: it asked to run echo, and the person has not answered yet. */
const waitingParts: MessagePartDto[] = [
  { type: 'step-start' },
  { type: 'text', text: 'Let me check.' },
  {
    type: 'dynamic-tool',
    toolCallId: 'call_1',
    toolName: 'everything/echo',
    state: 'approval-requested',
    input: { message: 'hello' },
    approval: { id: 'call_1' },
  },
];

const resumeChunks = chunks(
  { type: 'start', messageId: 'm2' },
  { type: 'data-run', data: { kind: 'resume' } },
  { type: 'tool-output-available', toolCallId: 'call_1', output: 'Echo: hello' },
  { type: 'start-step' },
  text('The tool everything/echo returned: Echo: hello'),
);

describe('mergeParts', () => {
  it('a reply or a regeneration is its run’s parts alone', () => {
    const run = foldChunks(echoRun);
    expect(mergeParts(waitingParts, run, 'reply')).toBe(run.parts);
    expect(mergeParts(waitingParts, run, 'regenerate')).toBe(run.parts);
  });

  it('a resume carries on after the call it settles, with the call’s new state', () => {
    const answered = answerTool(waitingParts, 'call_1', true);
    expect(answered[2]).toMatchObject({
      state: 'approval-responded',
      approval: { id: 'call_1', approved: true },
    });
    // Before its first chunk, the answered call shows as answered.
    expect(mergeParts(answered, NO_PARTS, 'resume')).toEqual(answered);
    const merged = mergeParts(answered, foldChunks(resumeChunks), 'resume');
    expect(merged).toEqual([
      { type: 'step-start' },
      { type: 'text', text: 'Let me check.' },
      {
        type: 'dynamic-tool',
        toolCallId: 'call_1',
        toolName: 'everything/echo',
        state: 'output-available',
        input: { message: 'hello' },
        output: 'Echo: hello',
        approval: { id: 'call_1', approved: true },
      },
      { type: 'step-start' },
      { type: 'text', text: 'The tool everything/echo returned: Echo: hello' },
    ]);
    expect(textOf(merged)).toBe('Let me check.\n\nThe tool everything/echo returned: Echo: hello');
  });

  it('a resume followed after a reload drops what the store checkpointed past the settled call (the stream replays it)', () => {
    const checkpointed: MessagePartDto[] = [
      ...waitingParts.slice(0, 2),
      {
        ...(waitingParts[2] as MessagePartDto & object),
        state: 'output-available',
        output: 'Echo: hello',
      } as MessagePartDto,
      { type: 'step-start' },
      { type: 'text', text: 'The tool every' },
    ];
    const merged = mergeParts(checkpointed, foldChunks(resumeChunks), 'resume');
    expect(merged.filter((part) => part.type === 'step-start')).toHaveLength(2);
    expect(merged[merged.length - 1]).toEqual({
      type: 'text',
      text: 'The tool everything/echo returned: Echo: hello',
    });
  });

  it('a continuation’s first words join the stored text', () => {
    const stored: MessagePartDto[] = [...waitingParts.slice(0, 2)];
    const run = foldChunks(chunks(text(' And more.')));
    expect(mergeParts(stored, run, 'continue')).toEqual([
      { type: 'step-start' },
      { type: 'text', text: 'Let me check. And more.' },
    ]);
  });

  it('a denial keeps the reason given', () => {
    const denied = answerTool(waitingParts, 'call_1', false, 'Not now');
    expect(denied[2]).toMatchObject({
      state: 'approval-responded',
      approval: { id: 'call_1', approved: false, reason: 'Not now' },
    });
    expect(waitingCalls(denied)).toEqual([]);
    expect(hasToolParts(denied)).toBe(true);
    expect(hasToolParts(denied.slice(0, 2))).toBe(false);
  });
});

function liveRun(extra: Partial<LiveRun> = {}): LiveRun {
  return {
    runId: 'r1',
    messageId: 'm2',
    text: '',
    prefix: '',
    prefixKnown: false,
    connection: 'open',
    status: null,
    errorText: null,
    finishReason: null,
    files: [],
    reasoning: '',
    kind: null,
    streamed: NO_PARTS,
    waiting: { since: 0, retry: null },
    ...extra,
  };
}

describe('the live reply with tools', () => {
  it('follows a reply through its tool call, part by part', () => {
    const live = liveRun({ prefix: '', prefixKnown: true });
    for (const part of echoRun) applyPart(live, part);
    expect(live.kind).toBe('reply');
    expect(usesTools(live)).toBe(true);
    const [shown] = withLiveReply(
      [message('m2', { role: 'assistant', content: '', status: 'streaming' })],
      live,
    );
    expect(shown?.status).toBe('streaming');
    expect(shown?.parts.map((part) => part.type)).toEqual([
      'step-start',
      'text',
      'dynamic-tool',
      'step-start',
      'text',
    ]);
    expect(shown?.content).toBe('Let me check.\n\nThe tool said hi.');
    expect(live.status).toBe('complete');
  });

  it('a resumed run appends to the message it already shows, not a new one', () => {
    const stored = message('m2', {
      role: 'assistant',
      content: 'Let me check.',
      status: 'waiting',
      parts: answerTool(waitingParts, 'call_1', true),
    });
    const user = message('m1');
    const live = liveRun();
    // Before its data-run part, the waiting message shows as it was (now streaming).
    expect(withLiveReply([user, stored], live)[1]).toMatchObject({
      parts: stored.parts,
      status: 'streaming',
    });
    for (const part of resumeChunks) applyPart(live, part);
    const shown = withLiveReply([user, stored], live);
    expect(shown).toHaveLength(2);
    expect(shown[0]).toBe(user);
    expect(shown[1]?.id).toBe('m2');
    expect(shown[1]?.parts[2]).toMatchObject({ state: 'output-available', output: 'Echo: hello' });
    expect(shown[1]?.content).toBe('Let me check.\n\nThe tool everything/echo returned: Echo: hello');
  });

  it('a reply without tools is drawn as before (reasoning, then the text)', () => {
    const live = liveRun({ prefixKnown: true });
    for (const part of chunks(
      { type: 'data-run', data: { kind: 'reply' } },
      { type: 'start-step' },
      { type: 'reasoning-delta', id: 'r', delta: 'Hmm.' },
      text('Four.'),
    ))
      applyPart(live, part);
    expect(usesTools(live)).toBe(false);
    expect(withLiveReply([message('m2', { role: 'assistant', content: '' })], live)[0]).toMatchObject({
      content: 'Four.',
      parts: [{ type: 'reasoning', text: 'Hmm.' }],
    });
  });
});

describe('the tools menu', () => {
  const servers = [
    {
      name: 'everything',
      state: 'ready' as const,
      error: null,
      tools: [
        {
          id: 'everything/echo',
          name: 'echo',
          description: 'Echoes',
          inputSchema: {},
          requiresApproval: true,
        },
        { id: 'everything/add', name: 'add', description: 'Adds', inputSchema: {}, requiresApproval: false },
      ],
    },
    { name: 'files', state: 'down' as const, error: 'spawn ENOENT', tools: [] },
  ];

  it('lists each server’s tools, and the enabled ones no server offers now (to turn them off)', () => {
    const groups = toolGroups(servers, ['everything/echo', 'files/read', 'gone/tool']);
    expect(groups.map((group) => [group.name, group.state, group.rows.map((row) => row.id)])).toEqual([
      ['everything', 'ready', ['everything/echo', 'everything/add']],
      ['files', 'down', ['files/read']],
      ['gone', 'unknown', ['gone/tool']],
    ]);
    expect(groups[0]?.rows[0]).toMatchObject({ requiresApproval: true, missing: false });
    expect(groups[1]?.rows[0]).toMatchObject({ name: 'read', missing: true });
    expect(groups[1]?.error).toBe('spawn ENOENT');
  });

  it('turns a tool on and off, keeping the others in order', () => {
    expect(toggled(['a/x'], 'a/y', true)).toEqual(['a/x', 'a/y']);
    expect(toggled(['a/x', 'a/y'], 'a/x', false)).toEqual(['a/y']);
    expect(toggled(['a/x'], 'a/x', true)).toEqual(['a/x']);
  });
});

describe('the tool card', () => {
  const call = (extra: Partial<LiveToolPart>): LiveToolPart => ({
    type: 'dynamic-tool',
    toolCallId: 'c',
    toolName: 's/t',
    state: 'input-available',
    input: { a: 1 },
    ...extra,
  });

  it('says how far the call got, with a spinner only while the reply runs', () => {
    expect(toolStatus(call({ input: undefined, inputText: '{"a"' }), true)).toEqual({
      label: 'Preparing…',
      tone: 'run',
      spin: true,
    });
    expect(toolStatus(call({}), true)).toMatchObject({ label: 'Running…', spin: true });
    // Stored without a result and not running: it never finished (no spinner forever).
    expect(toolStatus(call({}), false)).toMatchObject({ label: 'Not finished', spin: false });
    expect(toolStatus(call({ state: 'approval-requested' }), false)).toMatchObject({
      label: 'Waiting for approval',
    });
    expect(
      toolStatus(call({ state: 'approval-responded', approval: { id: 'c', approved: true } }), true),
    ).toMatchObject({ label: 'Approved, running…', spin: true });
    expect(
      toolStatus(call({ state: 'approval-responded', approval: { id: 'c', approved: false } }), true),
    ).toMatchObject({ label: 'Denied', spin: false });
    expect(toolStatus(call({ state: 'output-available', output: 'x' }), false).label).toBe('Done');
    expect(toolStatus(call({ state: 'output-error', errorText: 'x' }), false).label).toBe('Failed');
    expect(toolStatus(call({ state: 'output-denied' }), false).label).toBe('Denied');
  });

  it('shows the arguments as pretty JSON, or their raw text while they stream', () => {
    expect(argumentsText(call({}))).toBe('{\n  "a": 1\n}');
    expect(argumentsText(call({ input: undefined, inputText: '{"a":' }))).toBe('{"a":');
    expect(argumentsText(call({ input: undefined }))).toBe('');
  });

  it('says how long the call ran', () => {
    expect(formatDuration(12)).toBe('12 ms');
    expect(formatDuration(1440)).toBe('1.4 s');
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(120_000)).toBe('2 min');
  });
});
