import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { FinishReason, ModelMessage } from 'ai';
import type { Logger } from 'pino';
import type { FilePartDto, MessagePartDto } from '../../shared/message-parts.js';
import {
  encodeRunEvent,
  type RunEndStatus,
  type RunRetryStatus,
  type RunStreamEvent,
  type RunStreamPart,
  runEnd,
} from '../../shared/run-events.js';
import type { ModelRegistry } from '../ai/model-registry.js';
import { onModelRetry } from '../ai/resilience.js';
import { streamModel } from '../ai/stream-model.js';
import { describeModelError } from '../chat/model-errors.js';
import { replyMessages } from '../chat/reply-prompt.js';
import type { RunObservation, RunObserver } from '../observability/run-observer.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { RunLog } from '../realtime/run-log.js';
import type { Data } from '../store/repositories.js';
import type { RunKind } from '../store/schema.js';
import type { RunTools } from '../tools/run-tools.js';
import { usageEvent } from '../usage/usage-event.js';
import { ReplyBuilder } from './reply-builder.js';
import { checkpointReply, finishRunAndReply } from './run-status.js';
import {
  failUnrun,
  type ModelToolCall,
  parseToolInput,
  runAnsweredCalls,
  runToolCalls,
  type ToolRunContext,
} from './tool-calls.js';

/**
 * Runs live on the server, not in a request: a run streams the model's reply into the run log
 * (which any number of HTTP responses follow, and may drop and resume) and checkpoints the text
 * to the store about once a second, never once per token.
 */

export interface StartRunInput {
  runId: string;
  userId: string;
  conversationId: string;
  /** The assistant message this run writes. */
  messageId: string;
  kind: RunKind;
  modelId: string;
  /** The conversation's system prompt, if any. */
  system: string | undefined;
  /** The conversation before this reply. */
  prompt: ModelMessage[];
  /** The parts the reply already has (continued or resumed); new text joins its last text part. */
  prefixParts: MessagePartDto[];
  /** Output tokens already spent on the prefix, so a continued reply reports its total. */
  prefixOutputTokens: number;
  /** Input tokens already counted for the reply (a resumed reply's earlier steps). */
  prefixInputTokens?: number;
  /** The tools the reply may call; none: a plain reply. */
  tools?: RunTools;
  /** Tool steps (model calls that ran tools) after which the model must answer without tools. */
  maxToolSteps?: number;
  /** The conversation's settings for each model call; unset: the provider's defaults. */
  temperature?: number;
  maxOutputTokens?: number;
  /** The API token that started the run: its usage event names it (the token's daily budget). */
  apiTokenId?: string;
}

export interface RunOutcome {
  status: RunEndStatus;
  text: string;
  error: string | null;
  finishReason: string | null;
  usage: { inputTokens: number | null; outputTokens: number | null };
}

type EndReason = 'stop' | 'shutdown';

/** How a model stream ended, filled in while it is relayed. */
interface StreamEnd {
  error: string | null;
  finishReason: FinishReason | null;
  usage: { inputTokens: number | null; outputTokens: number | null } | undefined;
}

/** What every step of a run spent; null until a provider reports it. */
interface Spent {
  inputTokens: number | null;
  outputTokens: number | null;
}

function addUsage(total: Spent, step: StreamEnd['usage']): void {
  if (step?.inputTokens != null) total.inputTokens = (total.inputTokens ?? 0) + step.inputTokens;
  if (step?.outputTokens != null) total.outputTokens = (total.outputTokens ?? 0) + step.outputTokens;
}

export const DEFAULT_MAX_TOOL_STEPS = 8;

export class ActiveRun {
  /** The reply's parts in order (text, reasoning, files, tool calls, steps), as they arrive. */
  readonly reply: ReplyBuilder;
  /** Tokens this run's model calls spent, every step counted. */
  readonly spent: Spent = { inputTokens: null, outputTokens: null };
  /** It stopped on tool calls that wait for a person's approval. */
  waiting = false;
  seq = 0;
  dirty = false;
  endReason: EndReason | undefined;
  readonly abort = new AbortController();
  readonly startedAt = performance.now();
  firstTokenAt: number | undefined;
  /** Metrics and the run's trace span. */
  observation: RunObservation | undefined;
  done!: Promise<RunOutcome>;

  constructor(readonly input: StartRunInput) {
    this.reply = new ReplyBuilder(input.prefixParts);
  }

  /** The reply's plain text (its `content`). */
  get text(): string {
    return this.reply.text;
  }

  get id(): string {
    return this.input.runId;
  }
}

export interface RunManagerDeps {
  store: Data;
  runLog: RunLog;
  bus: EventBus;
  models: ModelRegistry;
  logger: Logger;
  checkpointMs?: number;
  /** How long a run's lease lasts without renewal (renewed at every checkpoint tick). */
  leaseMs?: number;
  /** Operations' view of runs (metrics, traces). */
  observer?: RunObserver;
  /** Keep a file the model made (an image), as the user's, in the run's conversation. */
  saveFile?: (
    owner: { userId: string; conversationId: string },
    file: { bytes: Uint8Array; mediaType: string },
  ) => Promise<FilePartDto>;
}

const now = () => new Date().toISOString();

export class RunManager {
  private readonly active = new Map<string, ActiveRun>();
  private readonly checkpointTimer: NodeJS.Timeout;
  private checkpointing: Promise<number> = Promise.resolve(0);
  private checkpointBusy = false;
  /** Set once shutdown begins; every later call of shutdown() waits for the same drain. */
  private drain: Promise<void> | undefined;

  constructor(private readonly deps: RunManagerDeps) {
    this.checkpointTimer = setInterval(() => {
      // A slow database must not pile up ticks behind the checkpoint still under way.
      if (!this.checkpointBusy) void this.checkpointNow();
    }, deps.checkpointMs ?? 1000);
    this.checkpointTimer.unref();
  }

  /** True once shutdown has begun: no new run may start. */
  get draining(): boolean {
    return this.drain !== undefined;
  }

  /** The lease a run gets now: renewed while it streams, so other instances know it is alive. */
  leaseUntil(): string {
    return new Date(Date.now() + (this.deps.leaseMs ?? 5_000)).toISOString();
  }

  get activeCount(): number {
    return this.active.size;
  }

  get(runId: string): ActiveRun | undefined {
    return this.active.get(runId);
  }

  /** Active runs of a conversation, newest first. */
  forConversation(conversationId: string): ActiveRun[] {
    return [...this.active.values()]
      .filter((run) => run.input.conversationId === conversationId)
      .sort((a, b) => (a.id < b.id ? 1 : -1));
  }

  /**
   * Start a run whose rows (message `streaming`, run `running`) the caller has committed.
   * `startEvents` open its stream (`runStart(...)`: `start` and the ids the client needs).
   */
  start(
    input: StartRunInput,
    startEvents: RunStreamPart[],
    onFinished?: (outcome: RunOutcome) => Promise<void>,
  ): ActiveRun {
    const run = new ActiveRun(input);
    if (this.drain) {
      // Admission refuses runs while draining; one that slipped in between is saved interrupted
      // at once (its rows are committed) rather than outliving the process.
      run.endReason = 'shutdown';
      run.abort.abort(new DOMException('Server shutting down', 'AbortError'));
    }
    run.observation = this.deps.observer?.started(input);
    this.active.set(run.id, run);
    this.deps.runLog.open(run.id);
    for (const event of startEvents) this.emit(run, event);
    this.deps.bus.publish(input.userId, {
      type: 'run.started',
      conversationId: input.conversationId,
      runId: run.id,
      messageId: input.messageId,
    });
    const execute = () => this.execute(run);
    run.done = (run.observation?.within(execute) ?? execute()).then(async (outcome) => {
      this.active.delete(run.id);
      this.deps.bus.publish(input.userId, {
        type: 'run.finished',
        conversationId: input.conversationId,
        runId: run.id,
        messageId: input.messageId,
        status: outcome.status,
      });
      if (onFinished) {
        await onFinished(outcome).catch((error) =>
          this.deps.logger.error({ err: error, runId: run.id }, 'after-run step failed'),
        );
      }
      return outcome;
    });
    return run;
  }

  /** Stop every active run of a conversation: aborts the model call, keeps the partial text. */
  async stop(userId: string, conversationId: string): Promise<ActiveRun[]> {
    const runs = this.forConversation(conversationId).filter((run) => run.input.userId === userId);
    for (const run of runs) {
      run.endReason ??= 'stop';
      run.abort.abort(new DOMException('Stopped by the user', 'AbortError'));
    }
    await Promise.all(runs.map((run) => run.done));
    return runs;
  }

  /**
   * Stop every active run of a user on this instance (the account was disabled): aborts the
   * model calls, keeps each reply's partial text as `stopped`.
   */
  async stopUser(userId: string): Promise<ActiveRun[]> {
    const runs = [...this.active.values()].filter((run) => run.input.userId === userId);
    for (const run of runs) {
      run.endReason ??= 'stop';
      run.abort.abort(new DOMException('The account was disabled', 'AbortError'));
    }
    await Promise.all(runs.map((run) => run.done));
    return runs;
  }

  /**
   * Shutdown: checkpoint every running reply's text at once (so a kill before the grace ends loses
   * nothing the store could have had), let runs finish for up to `graceMs` (still checkpointing),
   * then stop the rest and save each as `interrupted` with all the text its clients received.
   * Idempotent: main.ts drains before closing the app, and closing the app (tests) drains too.
   */
  shutdown(graceMs: number): Promise<void> {
    this.drain ??= this.drainRuns(graceMs);
    return this.drain;
  }

  private async drainRuns(graceMs: number): Promise<void> {
    const saved = await this.checkpointNow();
    if (this.active.size > 0) {
      this.deps.logger.info({ runs: this.active.size, saved }, 'running replies checkpointed');
    }
    const pending = [...this.active.values()].map((run) => run.done);
    if (pending.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([Promise.all(pending), graceOver]);
      clearTimeout(timer);
    }
    clearInterval(this.checkpointTimer);
    // Until none is left: a run admitted just before the drain began may start meanwhile.
    while (this.active.size > 0) {
      const left = [...this.active.values()];
      for (const run of left) {
        run.endReason ??= 'shutdown';
        run.abort.abort(new DOMException('Server shutting down', 'AbortError'));
      }
      await Promise.all(left.map((run) => run.done));
    }
    await this.checkpointing;
  }

  private emit(run: ActiveRun, event: RunStreamEvent): void {
    run.seq += 1;
    this.deps.runLog.append(run.id, { seq: run.seq, data: encodeRunEvent(event) });
  }

  private async execute(run: ActiveRun): Promise<RunOutcome> {
    const { input } = run;
    const registered = this.deps.models.get(input.modelId);
    const modelCall = run.observation?.modelCall(registered?.info.provider ?? 'unknown');
    const ended: StreamEnd = { error: null, finishReason: null, usage: undefined };
    try {
      if (!registered) throw new Error(`The model "${input.modelId}" is not configured on this server.`);
      // A resumed reply first runs (or refuses) the calls its approvals answered.
      if (input.kind === 'resume') await runAnsweredCalls(this.toolContext(run));
      await this.steps(run, registered.model as LanguageModelV3, ended);
    } catch (caught) {
      if (!run.abort.signal.aborted) ended.error = describeModelError(caught);
    }
    const { error, finishReason } = ended;
    const usage = run.spent;
    modelCall?.end(error, { finishReason });

    const status: RunEndStatus =
      run.endReason === 'stop'
        ? 'stopped'
        : run.endReason === 'shutdown'
          ? 'interrupted'
          : error !== null
            ? 'error'
            : run.waiting
              ? 'waiting'
              : 'complete';
    const outcome: RunOutcome = {
      status,
      text: run.text,
      error,
      finishReason: status === 'complete' ? finishReason : status === 'waiting' ? 'tool-calls' : null,
      usage: {
        inputTokens: usage.inputTokens != null ? usage.inputTokens + (input.prefixInputTokens ?? 0) : null,
        outputTokens: usage.outputTokens != null ? usage.outputTokens + input.prefixOutputTokens : null,
      },
    };
    await this.persist(run, outcome);

    for (const event of runEnd(status, outcome.usage, { error, finishReason, interruptedBy: 'shutdown' })) {
      this.emit(run, event);
    }
    this.deps.runLog.end(run.id);

    this.deps.logger.info(
      {
        runId: run.id,
        conversationId: input.conversationId,
        kind: input.kind,
        model: input.modelId,
        status,
        inputTokens: outcome.usage.inputTokens,
        outputTokens: outcome.usage.outputTokens,
        timeToFirstTokenMs: run.firstTokenAt ? Math.round(run.firstTokenAt - run.startedAt) : null,
        durationMs: Math.round(performance.now() - run.startedAt),
        ...(error ? { error } : {}),
      },
      'run finished',
    );
    run.observation?.finished({
      status,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      startedAt: run.startedAt,
      firstTokenAt: run.firstTokenAt,
      endedAt: performance.now(),
      error,
    });
    return outcome;
  }

  /**
   * The model steps of a reply: call the model with the reply so far; when it calls tools, run
   * them (or pause for approval) and call it again with their results, until it answers without
   * calling a tool. After `maxToolSteps` steps that ran tools the model must answer (tool choice
   * `none`). Usage adds up over every step.
   */
  private async steps(run: ActiveRun, model: LanguageModelV3, ended: StreamEnd): Promise<void> {
    const { input } = run;
    const tools = input.tools && input.tools.size > 0 ? input.tools : undefined;
    const maxToolSteps = input.maxToolSteps ?? DEFAULT_MAX_TOOL_STEPS;
    for (;;) {
      // A step that follows tool results is a new step of the reply.
      if (run.reply.parts.at(-1)?.type === 'dynamic-tool') run.reply.startStep();
      const overLimit = run.reply.steps > maxToolSteps;
      // Resilience (retries, timeouts, breakers) lives in the provider layer (ai/resilience.ts);
      // its retries reach the stream as transient `data-status` parts, so a waiting user sees them.
      onModelRetry(run.abort.signal, (data: RunRetryStatus) =>
        this.emit(run, { type: 'data-status', data, transient: true }),
      );
      const stream = await streamModel({
        model,
        system: input.system,
        messages: [...input.prompt, ...replyMessages(run.reply.parts)],
        abortSignal: run.abort.signal,
        ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
        ...(input.maxOutputTokens !== undefined ? { maxOutputTokens: input.maxOutputTokens } : {}),
        ...(tools
          ? {
              tools: tools.definitions(),
              toolChoice: overLimit ? { type: 'none' as const } : { type: 'auto' as const },
            }
          : {}),
      });
      this.emit(run, { type: 'start-step' });
      const step: StreamEnd = { error: null, finishReason: null, usage: undefined };
      const calls: ModelToolCall[] = [];
      try {
        await this.relay(run, stream, step, calls);
      } finally {
        addUsage(run.spent, step.usage);
        ended.error = step.error;
        ended.finishReason = step.finishReason;
      }
      if (step.error === null && calls.length > 0 && !run.abort.signal.aborted) {
        // Stored before the tools run (which may take long): a reload or a crash shows the calls.
        await this.checkpointNow();
        await runToolCalls(this.toolContext(run), calls, overLimit);
      }
      // Calls of a step that failed before they ran are told as failed, not left running.
      if (step.error !== null) failUnrun(this.toolContext(run), calls);
      this.emit(run, { type: 'finish-step' });
      // A model that calls tools even when told to answer gets no further step.
      if (step.error !== null || calls.length === 0 || run.abort.signal.aborted || overLimit) return;
      if (run.reply.pendingApprovals().length > 0) {
        run.waiting = true;
        return;
      }
    }
  }

  private toolContext(run: ActiveRun): ToolRunContext {
    return {
      reply: run.reply,
      tools: run.input.tools,
      signal: run.abort.signal,
      emit: (part) => this.emit(run, part),
      changed: () => {
        run.dirty = true;
      },
    };
  }

  /**
   * One model call's parts into the run log (as the run stream's parts) and the reply; what the
   * stream ends with (finish reason, usage, an error part) is noted in `ended` as it arrives, so
   * a stream that throws midway still reports what came before. Tool calls are collected in `calls`.
   */
  private async relay(
    run: ActiveRun,
    stream: Awaited<ReturnType<typeof streamModel>>,
    ended: StreamEnd,
    calls: ModelToolCall[],
  ): Promise<void> {
    // A tool the run does not offer keeps the id its model name stands for (`a__b` → `a/b`).
    const toolId = (modelName: string) =>
      run.input.tools?.find(modelName)?.id ?? modelName.replace('__', '/');
    const reader = stream.getReader();
    try {
      for (;;) {
        const { done, value: part } = await reader.read();
        if (done) break;
        switch (part.type) {
          case 'text-start':
          case 'text-end':
            this.emit(run, { type: part.type, id: part.id });
            break;
          case 'reasoning-start':
            // Redacted thinking arrives sealed on its start.
            run.reply.startReasoning(part.providerMetadata);
            this.emit(run, { type: part.type, id: part.id });
            break;
          case 'reasoning-end':
            if (part.providerMetadata) run.reply.sealReasoning(part.providerMetadata);
            run.reply.endReasoning();
            this.emit(run, { type: part.type, id: part.id });
            break;
          case 'text-delta':
            if (part.delta === '') break;
            run.firstTokenAt ??= performance.now();
            run.reply.appendText(part.delta);
            run.dirty = true;
            this.emit(run, { type: 'text-delta', id: part.id, delta: part.delta });
            break;
          case 'reasoning-delta':
            // Anthropic's signature arrives as an empty delta: kept as the reasoning's seal.
            if (part.delta === '') {
              if (part.providerMetadata) run.reply.sealReasoning(part.providerMetadata);
              break;
            }
            run.reply.appendReasoning(part.delta);
            this.emit(run, { type: 'reasoning-delta', id: part.id, delta: part.delta });
            break;
          case 'tool-input-start':
            run.firstTokenAt ??= performance.now();
            this.emit(run, {
              type: 'tool-input-start',
              toolCallId: part.id,
              toolName: toolId(part.toolName),
              dynamic: true,
            });
            break;
          case 'tool-input-delta':
            if (part.delta === '') break;
            this.emit(run, { type: 'tool-input-delta', toolCallId: part.id, inputTextDelta: part.delta });
            break;
          case 'tool-call': {
            if (part.providerExecuted) break;
            run.firstTokenAt ??= performance.now();
            const { input, inputError } = parseToolInput(part.input);
            const name = toolId(part.toolName);
            calls.push({ toolCallId: part.toolCallId, modelName: part.toolName, input, inputError });
            run.reply.addToolCall(part.toolCallId, name, input);
            run.dirty = true;
            this.emit(run, {
              type: 'tool-input-available',
              toolCallId: part.toolCallId,
              toolName: name,
              input,
              dynamic: true,
            });
            break;
          }
          case 'finish':
            ended.finishReason = part.finishReason.unified;
            ended.usage = {
              inputTokens: part.usage.inputTokens.total ?? null,
              outputTokens: part.usage.outputTokens.total ?? null,
            };
            break;
          case 'error':
            ended.error = describeModelError(part.error);
            break;
          case 'file':
            await this.keepFile(run, part.mediaType, part.data);
            break;
          default:
            break;
        }
      }
    } finally {
      reader.releaseLock();
    }
  }

  /**
   * A file the model made: stored as the user's (checked like an upload, counted in the quota),
   * then announced on the stream as the AI SDK's `file` part. One that cannot be kept is logged
   * and noted in the text, never silently dropped.
   */
  private async keepFile(run: ActiveRun, mediaType: string, data: string | Uint8Array): Promise<void> {
    const { saveFile } = this.deps;
    if (!saveFile) return;
    const bytes = typeof data === 'string' ? new Uint8Array(Buffer.from(data, 'base64')) : data;
    try {
      const part = await saveFile(
        { userId: run.input.userId, conversationId: run.input.conversationId },
        { bytes, mediaType },
      );
      run.reply.addFile(part);
      run.dirty = true;
      this.emit(run, { type: 'file', url: part.url, mediaType: part.mediaType });
    } catch (err) {
      this.deps.logger.warn({ err, runId: run.id, mediaType }, 'a file the model made could not be kept');
      const note = `\n\n[The model made a file (${mediaType}) that could not be kept: ${err instanceof Error ? err.message : 'error'}]`;
      run.reply.appendText(note);
      run.dirty = true;
      const id = `file-note-${run.seq}`;
      this.emit(run, { type: 'text-start', id });
      this.emit(run, { type: 'text-delta', id, delta: note });
      this.emit(run, { type: 'text-end', id });
    }
  }

  /** The final write: message and run in one transaction, so they never disagree. */
  private async persist(run: ActiveRun, outcome: RunOutcome): Promise<void> {
    const { input } = run;
    const at = now();
    try {
      await this.deps.store.transaction(async (trx) => {
        const owned = await finishRunAndReply(trx, {
          runId: run.id,
          messageId: input.messageId,
          status: outcome.status,
          lastSeq: run.seq,
          reply: {
            content: outcome.text,
            parts: run.reply.stored(),
            model: input.modelId,
            input_tokens: outcome.usage.inputTokens,
            output_tokens: outcome.usage.outputTokens,
            finish_reason: outcome.finishReason,
            error: outcome.error,
            updated_at: at,
          },
          at,
        });
        if (!owned) {
          this.deps.logger.warn(
            { runId: run.id, messageId: input.messageId },
            'a newer run took over this reply; its final text was not saved over that run',
          );
        }
        await trx.conversations.touchConversation(input.conversationId, at);
        // Quotas count what this run spent (a continued reply's earlier tokens were counted then).
        const spent = (run.spent.inputTokens ?? 0) + (run.spent.outputTokens ?? 0);
        await trx.usage.addTokenUsage(input.userId, spent, new Date(at));
        if (input.apiTokenId) await trx.tokens.addApiTokenUsage(input.apiTokenId, spent);
        // The usage report's event: the same tokens, priced now (usage/usage-event.ts).
        await trx.usageEvents.insertUsageEvent(
          usageEvent(this.deps.models, {
            userId: input.userId,
            modelId: input.modelId,
            source: 'chat',
            inputTokens: run.spent.inputTokens ?? 0,
            outputTokens: run.spent.outputTokens ?? 0,
            apiTokenId: input.apiTokenId,
            // The same first-token time the metrics and the console's live figures use.
            ttftMs: run.firstTokenAt ? run.firstTokenAt - run.startedAt : null,
            failed: outcome.status === 'error',
            at: new Date(at),
          }),
        );
      });
      run.dirty = false;
    } catch (err) {
      this.deps.logger.error({ err, runId: run.id }, 'could not save the finished reply');
    }
  }

  /** Checkpoint now, after any checkpoint already under way; resolves with the replies written. */
  private checkpointNow(): Promise<number> {
    this.checkpointBusy = true;
    const next = this.checkpointing.then(() => this.checkpoint());
    this.checkpointing = next;
    void next.then(() => {
      if (this.checkpointing === next) this.checkpointBusy = false;
    });
    return next;
  }

  /**
   * Write the text of every run that changed since the last checkpoint and renew the leases of
   * all active runs, in one transaction. Never throws (a failed checkpoint is retried).
   */
  private async checkpoint(): Promise<number> {
    if (this.active.size === 0) return 0;
    const dirty = [...this.active.values()].filter((run) => run.dirty);
    const at = now();
    try {
      await this.deps.store.transaction(async (trx) => {
        await trx.leases.renewLeases([...this.active.keys()], this.leaseUntil());
        for (const run of dirty) {
          run.dirty = false;
          // Only while still streaming: a late checkpoint must never overwrite the final text.
          await checkpointReply(trx, run.input.messageId, { text: run.text, parts: run.reply.stored() }, at);
        }
      });
      return dirty.length;
    } catch (err) {
      for (const run of dirty) run.dirty = true;
      this.deps.logger.error({ err }, 'checkpoint failed; will retry');
      return 0;
    }
  }
}
