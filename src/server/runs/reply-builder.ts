import type { FilePartDto, MessagePartDto, ToolPartDto } from '../../shared/message-parts.js';
import { MAX_REASONING_CHARS } from '../chat/message-parts.js';

type ProviderMetadata = Record<string, Record<string, unknown>>;

/** A seal bigger than this is not kept (a redacted block that large would crowd the row). */
const MAX_SEAL_CHARS = 64_000;

function bounded(metadata: ProviderMetadata): ProviderMetadata {
  return JSON.stringify(metadata).length > MAX_SEAL_CHARS ? {} : metadata;
}

/**
 * A reply's parts as a run writes them, in the order they arrive: reasoning, text, files the
 * model made, tool calls, and a `step-start` before every model call after the first. A continued
 * or resumed reply starts from its stored parts, and new text joins the last text part.
 */
export class ReplyBuilder {
  readonly parts: MessagePartDto[];
  private reasoningChars: number;
  /** A reasoning block is streaming: its deltas join the last reasoning part. */
  private reasoningOpen = false;

  constructor(initial: readonly MessagePartDto[] = []) {
    this.parts = initial.map((part) => ({ ...part }));
    this.reasoningChars = initial.reduce(
      (sum, part) => sum + (part.type === 'reasoning' ? part.text.length : 0),
      0,
    );
  }

  /** The steps so far: one, plus one per `step-start`. */
  get steps(): number {
    return 1 + this.parts.filter((part) => part.type === 'step-start').length;
  }

  startStep(): void {
    this.parts.push({ type: 'step-start' });
  }

  appendText(delta: string): void {
    const last = this.parts.at(-1);
    if (last?.type === 'text') last.text += delta;
    else this.parts.push({ type: 'text', text: delta });
  }

  /** A reasoning block begins (a provider may send it sealed: Anthropic's redacted thinking). */
  startReasoning(metadata?: ProviderMetadata): void {
    this.parts.push({
      type: 'reasoning',
      text: '',
      ...(metadata ? { providerMetadata: bounded(metadata) } : {}),
    });
    this.reasoningOpen = true;
  }

  /** The provider's seal on the block just streamed (Anthropic's signature). */
  sealReasoning(metadata: ProviderMetadata): void {
    const last = this.parts.at(-1);
    if (last?.type === 'reasoning')
      last.providerMetadata = { ...last.providerMetadata, ...bounded(metadata) };
  }

  endReasoning(): void {
    this.reasoningOpen = false;
  }

  /** Reasoning is bounded (MAX_REASONING_CHARS over the reply): the rest is streamed, not kept. */
  appendReasoning(delta: string): void {
    if (this.reasoningChars > MAX_REASONING_CHARS) return;
    let kept = delta;
    this.reasoningChars += delta.length;
    if (this.reasoningChars > MAX_REASONING_CHARS) {
      kept = `${delta.slice(0, delta.length - (this.reasoningChars - MAX_REASONING_CHARS))}\n\n[Reasoning cut here: it was longer than ${MAX_REASONING_CHARS.toLocaleString('en-US')} characters.]`;
    }
    const last = this.parts.at(-1);
    if (last?.type === 'reasoning' && this.reasoningOpen) last.text += kept;
    else {
      this.parts.push({ type: 'reasoning', text: kept });
      this.reasoningOpen = true;
    }
  }

  addFile(file: FilePartDto): void {
    this.parts.push(file);
  }

  addToolCall(toolCallId: string, toolName: string, input: unknown): ToolPartDto {
    const part: ToolPartDto = { type: 'dynamic-tool', toolCallId, toolName, state: 'input-available', input };
    this.parts.push(part);
    return part;
  }

  tool(toolCallId: string): ToolPartDto | undefined {
    return this.parts.find(
      (part): part is ToolPartDto => part.type === 'dynamic-tool' && part.toolCallId === toolCallId,
    );
  }

  /** Calls that wait for a person. */
  pendingApprovals(): ToolPartDto[] {
    return this.toolParts().filter((part) => part.state === 'approval-requested');
  }

  toolParts(): ToolPartDto[] {
    return this.parts.filter((part): part is ToolPartDto => part.type === 'dynamic-tool');
  }

  /** The plain text (the message's `content`): text parts joined, steps a paragraph apart. */
  get text(): string {
    let text = '';
    let newStep = false;
    for (const part of this.parts) {
      if (part.type === 'step-start') newStep = true;
      else if (part.type === 'text') {
        text += newStep && text !== '' ? `\n\n${part.text}` : part.text;
        newStep = false;
      }
    }
    return text;
  }

  /** The parts column: NULL for a reply that is one text part (or nothing yet), else JSON. */
  stored(): string | null {
    // A reasoning block that brought nothing (no text, no seal) is not worth a part.
    const parts = this.parts.filter(
      (part) => part.type !== 'reasoning' || part.text !== '' || part.providerMetadata !== undefined,
    );
    const [first, ...rest] = parts;
    if (first === undefined || (first.type === 'text' && rest.length === 0)) return null;
    return JSON.stringify(parts);
  }
}
