import type { FilePartDto, MessagePartDto, ToolPartDto } from '../../shared/message-parts.js';
import { MAX_REASONING_CHARS } from '../chat/message-parts.js';

/**
 * A reply's parts as a run writes them, in the order they arrive: reasoning, text, files the
 * model made, tool calls, and a `step-start` before every model call after the first. A continued
 * or resumed reply starts from its stored parts, and new text joins the last text part.
 */
export class ReplyBuilder {
  readonly parts: MessagePartDto[];
  private reasoningChars: number;

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

  /** Reasoning is bounded (MAX_REASONING_CHARS over the reply): the rest is streamed, not kept. */
  appendReasoning(delta: string): void {
    if (this.reasoningChars > MAX_REASONING_CHARS) return;
    let kept = delta;
    this.reasoningChars += delta.length;
    if (this.reasoningChars > MAX_REASONING_CHARS) {
      kept = `${delta.slice(0, delta.length - (this.reasoningChars - MAX_REASONING_CHARS))}\n\n[Reasoning cut here: it was longer than ${MAX_REASONING_CHARS.toLocaleString('en-US')} characters.]`;
    }
    const last = this.parts.at(-1);
    if (last?.type === 'reasoning') last.text += kept;
    else this.parts.push({ type: 'reasoning', text: kept });
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
    const [first, ...rest] = this.parts;
    if (first === undefined || (first.type === 'text' && rest.length === 0)) return null;
    return JSON.stringify(this.parts);
  }
}
