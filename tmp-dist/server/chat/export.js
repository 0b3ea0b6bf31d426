import { PARLEY_EXPORT_FORMAT, PARLEY_EXPORT_VERSION, } from '../../shared/export-schemas.js';
import { ownerOnly, requireConversation } from './access.js';
export function toParleyExport(conversation, messages, exportedAt) {
    // The format (like the chat) has user and assistant turns only; should a system message ever
    // sit in the tree, its children hang from its parent instead, so the file still imports.
    const systemParent = new Map(messages.filter((m) => m.role === 'system').map((m) => [m.id, m.parent_id]));
    const parentOf = (m) => {
        let parent = m.parent_id;
        for (let hops = 0; parent !== null && systemParent.has(parent) && hops < messages.length; hops++) {
            parent = systemParent.get(parent) ?? null;
        }
        return parent;
    };
    return {
        format: PARLEY_EXPORT_FORMAT,
        version: PARLEY_EXPORT_VERSION,
        exportedAt,
        conversation: {
            id: conversation.id,
            title: conversation.title,
            model: conversation.model,
            systemPrompt: conversation.system_prompt,
            createdAt: conversation.created_at,
            updatedAt: conversation.updated_at,
        },
        messages: messages
            .filter((m) => m.role !== 'system')
            .map((m) => ({
            id: m.id,
            parentId: parentOf(m),
            role: m.role,
            content: m.content,
            status: m.status,
            model: m.model,
            usage: { inputTokens: m.input_tokens, outputTokens: m.output_tokens },
            finishReason: m.finish_reason,
            createdAt: m.created_at,
        })),
    };
}
const STATUS_NOTES = {
    streaming: '_(Still being written when this was exported.)_',
    interrupted: '_(This reply was cut off.)_',
    stopped: '_(Stopped before the end.)_',
    error: '_(This reply failed.)_',
};
const readableTime = (iso) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
const oneLine = (text) => text.replace(/\s+/g, ' ').trim();
/** Text outside a fence (title, model): HTML in it is shown, never interpreted. */
const escapeHtml = (text) => text.replace(/[&<>]/g, (ch) => (ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : '&gt;'));
/**
 * `text` verbatim in a fenced block. The fence is longer than any run of backticks inside, so
 * nothing in the text can close it: a line `## User` stays text, not a forged heading, and raw
 * HTML is shown as code in every renderer, never run.
 */
export function fenced(text) {
    let longest = 0;
    for (const run of text.matchAll(/`+/g))
        longest = Math.max(longest, run[0].length);
    const fence = '`'.repeat(Math.max(3, longest + 1));
    return `${fence}\n${text}\n${fence}`;
}
/**
 * A transcript of one branch (root first): a title, then a heading per message and its text in a
 * fence (see `fenced`): the headings are the only markdown structure, and only ours.
 */
export function toMarkdown(conversation, branch, exportedAt) {
    const lines = [
        `# ${escapeHtml(oneLine(conversation.title ?? '')) || 'Untitled conversation'}`,
        '',
        `Exported from Parley on ${readableTime(exportedAt)} · model ${escapeHtml(oneLine(conversation.model))}`,
        '',
    ];
    if (conversation.system_prompt) {
        lines.push('**System prompt:**', '', fenced(conversation.system_prompt), '');
    }
    for (const message of branch) {
        const who = message.role === 'user'
            ? 'User'
            : message.role === 'assistant'
                ? `Assistant${message.model ? ` (${escapeHtml(oneLine(message.model))})` : ''}`
                : 'System';
        lines.push('---', '', `## ${who}`, '', `_${readableTime(message.created_at)}_`, '', fenced(message.content), '');
        const note = STATUS_NOTES[message.status];
        if (note)
            lines.push(note, '');
    }
    return `${lines.join('\n').trimEnd()}\n`;
}
/** A file name from a title that is safe in a header and on every file system. */
export function fileBaseName(title) {
    const name = (title ?? '')
        .normalize('NFC')
        .replace(/[\p{Cc}\p{Cf}"\\/:*?<>|]+/gu, ' ')
        .replace(/\s+/g, ' ')
        .trim()
        .replace(/^\.+/, '')
        .slice(0, 80)
        .trim();
    return name || 'conversation';
}
/** Export is a read: whoever the policy lets read the conversation may export it. */
export async function exportConversation(store, userId, conversationId, format, policy = ownerOnly) {
    const conversation = await requireConversation(store.repos, policy, userId, conversationId, 'read');
    const exportedAt = new Date().toISOString();
    const title = fileBaseName(conversation.title);
    if (format === 'json') {
        const messages = await store.repos.transfer.conversationMessages(conversation.id);
        return {
            title,
            extension: 'json',
            contentType: 'application/json; charset=utf-8',
            body: `${JSON.stringify(toParleyExport(conversation, messages, exportedAt), null, 2)}\n`,
        };
    }
    // The current branch ends at the newest message, as in the chat view.
    const leaf = await store.repos.messages.newestMessage(conversation.id);
    const branch = leaf ? await store.repos.messages.branchTo(leaf.id) : [];
    return {
        title,
        extension: 'md',
        contentType: 'text/markdown; charset=utf-8',
        body: toMarkdown(conversation, branch, exportedAt),
    };
}
