import { partsOf } from './message-parts.js';
export function conversationDto(row, activeRun) {
    return {
        id: row.id,
        title: row.title,
        model: row.model,
        systemPrompt: row.system_prompt,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
        activeRun,
    };
}
export function messageDto(row) {
    return {
        id: row.id,
        conversationId: row.conversation_id,
        parentId: row.parent_id,
        role: row.role,
        content: row.content,
        parts: partsOf(row),
        status: row.status,
        model: row.model,
        usage: { inputTokens: row.input_tokens, outputTokens: row.output_tokens },
        finishReason: row.finish_reason,
        error: row.error,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
    };
}
