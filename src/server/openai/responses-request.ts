import type {
  ContentPartInput,
  ResponsesContentPartInput,
  ResponsesInputItemInput,
  ResponsesRequest,
  ResponsesTextFormatInput,
} from '../../shared/openai-schemas.js';
import type { AttachmentLimits } from './attachment-limits.js';
import { invalidRequest } from './errors.js';
import { unsupportedResponsesField } from './parameters.js';
import { PromptBuilder } from './prompt-builder.js';
import { type CompletionCall, defined, type JsonResponseFormat } from './request.js';
import { checkChoice, checkTools, type ToolRequest } from './tools.js';

/**
 * A Responses API request (`POST /v1/responses`) as the same CompletionCall chat completions
 * make, so both go through one service: admission, quotas, attachments, the provider call, usage.
 * Parley keeps no response objects, so everything that refers to one (`previous_response_id`,
 * `item_reference` items) is refused with the reason rather than answered without its context.
 */

const NOTHING_STORED =
  'Parley keeps no response objects: send the whole conversation in `input` (with the AI SDK, set providerOptions.openai.store to false).';

/** Responses parts as the chat completions parts the attachment code reads. */
function userContentPart(part: ResponsesContentPartInput, path: string): ContentPartInput {
  switch (part.type) {
    case 'input_text':
      return { type: 'text', text: defined(part.text) ?? undefined };
    case 'input_image': {
      if (defined(part.file_id) !== undefined) {
        throw invalidRequest(
          'File ids are not supported (this server has no /v1/files): send the image as a data: URL or an http(s) URL in `image_url`.',
          `${path}.file_id`,
          'unsupported_parameter',
        );
      }
      const url = defined(part.image_url);
      if (url === undefined) {
        throw invalidRequest(
          `Missing required parameter: '${path}.image_url'.`,
          `${path}.image_url`,
          'missing_required_parameter',
        );
      }
      return { type: 'image_url', image_url: url };
    }
    case 'input_file':
      if (defined(part.file_url) !== undefined) {
        throw invalidRequest(
          'File URLs are not supported: send the file inline as `file_data`, a data: URL.',
          `${path}.file_url`,
          'unsupported_parameter',
        );
      }
      return {
        type: 'file',
        file: { file_data: part.file_data, file_id: part.file_id, filename: part.filename },
      };
    default:
      throw invalidRequest(
        `Content parts of type '${part.type}' are not supported in user messages; send input_text, input_image or input_file parts.`,
        `${path}.type`,
        'unsupported_content_type',
      );
  }
}

/** The text of a system, developer or assistant message (its parts, or the string itself). */
function messageText(content: ResponsesInputItemInput['content'], base: string, allowed: string[]): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part, index) => {
      const path = `${base}[${index}]`;
      if (!allowed.includes(part.type)) {
        throw invalidRequest(
          `Content parts of type '${part.type}' are not supported here; send ${allowed.join(' or ')} parts.`,
          `${path}.type`,
          'unsupported_content_type',
        );
      }
      const text = defined(part.text) ?? defined(part.refusal);
      if (text === undefined) {
        throw invalidRequest(
          `Missing required parameter: '${path}.text'.`,
          `${path}.text`,
          'missing_required_parameter',
        );
      }
      return text;
    })
    .join('\n');
}

function required<T>(value: T | null | undefined, param: string): T {
  if (value === null || value === undefined) {
    throw invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
  }
  return value;
}

function addItem(builder: PromptBuilder, item: ResponsesInputItemInput, at: string): void {
  const type = defined(item.type) ?? 'message';
  switch (type) {
    case 'message': {
      const role = required(item.role, `${at}.role`);
      const content = defined(item.content) ?? '';
      if (role === 'user') {
        builder.addUser(
          typeof content === 'string'
            ? content
            : content.map((part, index) => userContentPart(part, `${at}.content[${index}]`)),
          `${at}.content`,
        );
      } else if (role === 'assistant') {
        builder.addAssistant(messageText(content, `${at}.content`, ['output_text', 'refusal']), []);
      } else {
        // Developer messages are OpenAI's newer name for system messages.
        builder.addSystem(messageText(content, `${at}.content`, ['input_text']));
      }
      return;
    }
    case 'function_call':
      builder.addAssistant('', [
        {
          id: required(item.call_id, `${at}.call_id`),
          name: required(item.name, `${at}.name`),
          arguments: required(item.arguments, `${at}.arguments`),
          param: `${at}.arguments`,
        },
      ]);
      return;
    case 'function_call_output': {
      const output = required(item.output, `${at}.output`);
      const text = messageText(output, `${at}.output`, ['input_text']);
      builder.addToolResult(required(item.call_id, `${at}.call_id`), text, `${at}.call_id`);
      return;
    }
    case 'item_reference':
      throw invalidRequest(
        `Item references are not supported. ${NOTHING_STORED}`,
        `${at}.type`,
        'unsupported_parameter',
      );
    default:
      throw invalidRequest(
        `Input items of type '${type}' are not supported; send messages, function_call and function_call_output items.`,
        `${at}.type`,
        'unsupported_parameter',
      );
  }
}

function toPrompt(body: ResponsesRequest, limits: AttachmentLimits) {
  const builder = new PromptBuilder(limits);
  const instructions = defined(body.instructions);
  // Instructions come first, as a system message (OpenAI inserts them the same way).
  if (instructions !== undefined) builder.addSystem(instructions);
  if (typeof body.input === 'string') builder.addUser(body.input, 'input');
  else {
    for (const [index, item] of body.input.entries()) addItem(builder, item, `input[${index}]`);
  }
  return builder.build('input');
}

function toTools(body: ResponsesRequest): ToolRequest | undefined {
  const specs = (defined(body.tools) ?? []).map((tool, index) => {
    if (tool.type !== 'function') {
      throw invalidRequest(
        `Tools of type '${tool.type}' (built-in OpenAI tools) are not supported; send function tools.`,
        `tools[${index}].type`,
        'unsupported_parameter',
      );
    }
    return {
      name: required(tool.name, `tools[${index}].name`),
      description: defined(tool.description),
      parameters: defined(tool.parameters),
      strict: defined(tool.strict),
    };
  });
  const tools = checkTools(specs, (index) => `tools[${index}]`);
  const choice = defined(body.tool_choice);
  const checked = checkChoice(
    choice === undefined || typeof choice === 'string' ? choice : { name: choice.name },
    tools,
    'tool_choice',
  );
  if (tools.length === 0) return undefined;
  return { tools, choice: checked, parallel: defined(body.parallel_tool_calls) };
}

function toResponseFormat(format: ResponsesTextFormatInput | undefined): JsonResponseFormat | undefined {
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json', strict: false };
  return {
    type: 'json',
    name: required(format.name, 'text.format.name'),
    description: defined(format.description),
    schema: required(format.schema, 'text.format.schema'),
    strict: format.strict === true,
  };
}

/** Fields accepted by the schema that Parley still cannot honour, refused with the reason. */
function refuseUnsupported(body: ResponsesRequest): void {
  if (defined(body.previous_response_id) !== undefined) {
    throw invalidRequest(
      `Unsupported parameter: 'previous_response_id'. ${NOTHING_STORED}`,
      'previous_response_id',
      'unsupported_parameter',
    );
  }
  if (defined(body.text?.verbosity) !== undefined) {
    throw invalidRequest(
      "Unsupported parameter: 'text.verbosity'.",
      'text.verbosity',
      'unsupported_parameter',
    );
  }
  if (defined(body.truncation) === 'auto') {
    throw invalidRequest(
      "Unsupported value: 'truncation' can only be 'disabled': Parley never drops input on its own.",
      'truncation',
      'unsupported_value',
    );
  }
  // Reasoning items are never returned, so asking for their encrypted content asks for nothing.
  const include = (defined(body.include) ?? []).find((value) => value !== 'reasoning.encrypted_content');
  if (include !== undefined) {
    throw invalidRequest(`Unsupported value for 'include': '${include}'.`, 'include', 'unsupported_value');
  }
}

export interface ResponsesCall extends CompletionCall {
  /** What the answer echoes back, as OpenAI's Responses object does. */
  echo: {
    instructions: string | null;
    maxOutputTokens: number | null;
    temperature: number | null;
    topP: number | null;
    textFormat: Record<string, unknown>;
    toolChoice: unknown;
    tools: Record<string, unknown>[];
    parallelToolCalls: boolean;
  };
}

export function toResponsesCall(body: ResponsesRequest, limits: AttachmentLimits): ResponsesCall {
  const unsupported = unsupportedResponsesField(body);
  if (unsupported) throw unsupported;
  refuseUnsupported(body);
  const format = defined(body.text?.format);
  const tools = toTools(body);
  const maxOutputTokens = defined(body.max_output_tokens);
  return {
    modelId: body.model,
    ...toPrompt(body, limits),
    settings: {
      maxOutputTokens,
      temperature: defined(body.temperature),
      topP: defined(body.top_p),
    },
    responseFormat: toResponseFormat(format),
    logprobs: undefined,
    stream: body.stream === true,
    includeUsage: true,
    endUser: defined(body.user),
    tools,
    echo: {
      instructions: defined(body.instructions) ?? null,
      maxOutputTokens: maxOutputTokens ?? null,
      temperature: defined(body.temperature) ?? null,
      topP: defined(body.top_p) ?? null,
      textFormat: format ? stripNulls(format) : { type: 'text' },
      toolChoice: defined(body.tool_choice) ?? 'auto',
      tools: (tools?.tools ?? []).map((tool) => ({
        type: 'function',
        name: tool.name,
        description: tool.description ?? null,
        parameters: tool.parameters,
        strict: tool.strict ?? null,
      })),
      parallelToolCalls: tools?.parallel ?? true,
    },
  };
}

const stripNulls = (value: object): Record<string, unknown> =>
  Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== null && entry !== undefined));
