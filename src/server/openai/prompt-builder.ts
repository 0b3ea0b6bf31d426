import type { ContentPartInput } from '../../shared/openai-schemas.js';
import { type AttachmentLimits, MAX_TEXT_CHARS } from './attachment-limits.js';
import {
  type AttachmentRequest,
  type AttachmentTally,
  tooLarge,
  type UserPart,
  userParts,
} from './content-parts.js';
import { invalidRequest } from './errors.js';

/**
 * The prompt of a /v1 request, as both APIs (chat completions, Responses) build it: the messages
 * in order, the attachments to read after admission, the text budget, and the tool calls seen so
 * far, so a tool result can be matched to the call it answers (providers need the tool's name,
 * which OpenAI's tool messages do not repeat).
 */

/** A tool call the model made earlier, its arguments parsed (providers take them as JSON). */
export interface PromptToolCall {
  id: string;
  name: string;
  input: unknown;
}

/** A message as the client sent it, its attachments not yet read (that happens after admission). */
export type PromptMessage =
  | { role: 'system'; content: string }
  | { role: 'assistant'; content: string; toolCalls: PromptToolCall[] }
  | { role: 'user'; content: UserPart[] }
  | { role: 'tool'; toolCallId: string; toolName: string; content: string };

export interface BuiltPrompt {
  prompt: PromptMessage[];
  attachments: AttachmentRequest[];
  /** The system and developer messages' text, kept as the conversation's system prompt in history. */
  systemText: string | undefined;
  /** The last user message's text: what a recorded conversation shows as the question. */
  lastUserText: string | undefined;
}

/** How a recorded conversation shows an attachment: the question keeps a trace of what was sent. */
const attachmentNote = (attachment: AttachmentRequest) =>
  `[${attachment.part === 'image_url' ? 'image' : 'file'}${attachment.filename ? `: ${attachment.filename}` : ''}]`;

export class PromptBuilder {
  private readonly prompt: PromptMessage[] = [];
  private readonly attachments: AttachmentRequest[] = [];
  private readonly system: string[] = [];
  private readonly tally: AttachmentTally = { count: 0, bytes: 0 };
  private readonly toolNames = new Map<string, string>();
  private textChars = 0;
  private lastUserText: string | undefined;

  constructor(private readonly limits: AttachmentLimits) {}

  private count(text: string): void {
    this.textChars += text.length;
  }

  addSystem(text: string): void {
    this.count(text);
    this.system.push(text);
    this.prompt.push({ role: 'system', content: text });
  }

  /** `content` as chat completions parts (Responses parts are mapped to them first). */
  addUser(content: string | ContentPartInput[], base: string): void {
    const parts: UserPart[] =
      typeof content === 'string'
        ? [{ type: 'text', text: content }]
        : userParts(content, base, this.limits, this.tally);
    const texts = parts.flatMap((part) => (part.type === 'text' ? [part.text] : []));
    const attached = parts.flatMap((part) => (part.type === 'attachment' ? [part.attachment] : []));
    this.attachments.push(...attached);
    for (const text of texts) this.count(text);
    this.lastUserText = [...texts, ...attached.map(attachmentNote)].join('\n');
    this.prompt.push({ role: 'user', content: parts });
  }

  /**
   * An assistant turn: its text and the tool calls it made. Calls right after an assistant turn
   * (Responses sends each as an item of its own) join that turn, as one model message.
   */
  addAssistant(
    text: string,
    calls: Array<{ id: string; name: string; arguments: string; param: string }>,
  ): void {
    this.count(text);
    const toolCalls = calls.map((call) => {
      this.count(call.arguments);
      this.toolNames.set(call.id, call.name);
      return { id: call.id, name: call.name, input: parseArguments(call.arguments, call.param) };
    });
    const last = this.prompt.at(-1);
    if (text === '' && last?.role === 'assistant') {
      last.toolCalls.push(...toolCalls);
      return;
    }
    // An empty assistant turn carries nothing a model can use.
    if (text === '' && toolCalls.length === 0) return;
    this.prompt.push({ role: 'assistant', content: text, toolCalls });
  }

  /** A tool's result; it must answer a call made earlier in the request (OpenAI's rule too). */
  addToolResult(callId: string, text: string, param: string): void {
    const toolName = this.toolNames.get(callId);
    if (toolName === undefined) {
      throw invalidRequest(
        `Invalid value for '${param}': no earlier assistant tool call has the id '${callId}'; a tool result must answer a call of the model.`,
        param,
        'invalid_value',
      );
    }
    this.count(text);
    this.prompt.push({ role: 'tool', toolCallId: callId, toolName, content: text });
  }

  /** `param` is the field the whole prompt came in (`messages`, `input`), named by a 413. */
  build(param: string): BuiltPrompt {
    if (this.textChars > MAX_TEXT_CHARS) {
      throw tooLarge(
        `The ${param}' text is ${this.textChars} characters; at most ${MAX_TEXT_CHARS} are accepted per request.`,
        param,
      );
    }
    return {
      prompt: this.prompt,
      attachments: this.attachments,
      systemText: this.system.length > 0 ? this.system.join('\n\n') : undefined,
      lastUserText: this.lastUserText,
    };
  }
}

/** A tool call's arguments: JSON text, as the model wrote it; providers take it parsed. */
function parseArguments(text: string, param: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw invalidRequest(
      `Invalid value for '${param}': the arguments are not valid JSON.`,
      param,
      'invalid_value',
    );
  }
}
