import type { ConversationDto, MessageDto } from '../../shared/api-schemas.js';
import type { ConversationRow, MessageRow } from '../store/schema.js';
import { messagePartsOf } from './message-parts.js';

/** The conversation's enabled tools (a JSON array; NULL: none). */
export function toolsOf(row: Pick<ConversationRow, 'tools'>): string[] {
  return row.tools ? (JSON.parse(row.tools) as string[]) : [];
}

export function conversationDto(
  row: ConversationRow,
  activeRun: { id: string; messageId: string } | null,
): ConversationDto {
  return {
    id: row.id,
    title: row.title,
    model: row.model,
    systemPrompt: row.system_prompt,
    tools: toolsOf(row),
    temperature: row.temperature ?? null,
    maxOutputTokens: row.max_output_tokens ?? null,
    folderId: row.folder_id,
    pinned: Number(row.pinned) === 1,
    archived: Number(row.archived) === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    activeRun,
  };
}

export function messageDto(row: MessageRow): MessageDto {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    parentId: row.parent_id,
    role: row.role,
    content: row.content,
    parts: messagePartsOf(row),
    status: row.status,
    model: row.model,
    usage: { inputTokens: row.input_tokens, outputTokens: row.output_tokens },
    finishReason: row.finish_reason,
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
