import { MAX_TITLE_CHARS } from '../../shared/api-schemas.js';
import {
  type ChatGptConversationDto,
  type ChatGptNodeDto,
  MAX_IMPORT_CONTENT_CHARS,
} from '../../shared/export-schemas.js';
import {
  describePath,
  type ImportedConversation,
  importError,
  isoTime,
  notIncludedNote,
} from './import-input.js';
import { orderParentsFirst } from './message-tree.js';

/**
 * ChatGPT's `conversations.json` → Parley conversations. Each conversation is a tree of nodes
 * (`mapping`, linked by `parent`); besides the user's and the assistant's turns it holds a
 * message-less root, hidden system prompts, tool calls and their output. Those are skipped and a
 * kept node hangs from its nearest kept ancestor, so branches (edits, regenerations) survive.
 * `current_node` is the leaf the user last looked at; it becomes the newest message, which is
 * how Parley marks the current branch.
 */

const TEXT_TYPES = new Set(['text', 'multimodal_text']);

function pointer(...segments: string[]): string {
  return segments.map((s) => `/${s.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** The visible text of a node a person would call a turn; null for anything else. */
function turnText(node: ChatGptNodeDto): string | null {
  const message = node.message;
  if (!message) return null;
  if (message.author.role !== 'user' && message.author.role !== 'assistant') return null;
  if (!TEXT_TYPES.has(message.content.content_type)) return null;
  const metadata = message.metadata as Record<string, unknown> | undefined;
  if (metadata?.is_visually_hidden_from_conversation === true) return null;
  // multimodal_text mixes text with image pointers: the JSON has no image bytes, so an image
  // becomes a note where it was (a message of an image alone is kept for it); other objects go.
  const text = (message.content.parts ?? [])
    .flatMap((part) => (typeof part === 'string' ? [part] : isImagePointer(part) ? [IMAGE_NOTE] : []))
    .join('\n');
  return text.trim() === '' ? null : text;
}

const IMAGE_NOTE = notIncludedNote('image');

function isImagePointer(part: unknown): boolean {
  return (
    typeof part === 'object' &&
    part !== null &&
    (part as Record<string, unknown>).content_type === 'image_asset_pointer'
  );
}

export function fromChatGpt(
  conversation: ChatGptConversationDto,
  path: string,
  now: string,
): ImportedConversation {
  const keys = Object.keys(conversation.mapping);
  const nodeOf = (key: string) => conversation.mapping[key] as ChatGptNodeDto;
  const where = (...segments: string[]) => describePath(path, pointer(...segments));

  const checked = orderParentsFirst(keys.map((key) => ({ key, parentKey: nodeOf(key).parent ?? null })));
  if ('problem' in checked) {
    const key = keys[checked.problem.index] as string;
    throw importError(
      where('mapping', key, 'parent'),
      checked.problem.kind === 'cycle'
        ? 'makes a cycle (a node is its own ancestor)'
        : 'names a node that is not in the mapping',
    );
  }
  const current = conversation.current_node ?? null;
  if (current !== null && !(current in conversation.mapping)) {
    throw importError(where('current_node'), 'names a node that is not in the mapping');
  }

  const texts = new Map<string, string>();
  for (const key of keys) {
    const text = turnText(nodeOf(key));
    if (text === null) continue;
    if (text.length > MAX_IMPORT_CONTENT_CHARS) {
      throw importError(
        where('mapping', key, 'message', 'content'),
        `is longer than ${MAX_IMPORT_CONTENT_CHARS} characters`,
      );
    }
    texts.set(key, text);
  }

  // Nearest kept ancestor, memoized (links were checked: no cycles, no dangling parents).
  const keptParent = new Map<string, string | null>();
  const keptAncestor = (key: string): string | null => {
    const chain: string[] = [];
    let parent = nodeOf(key).parent ?? null;
    while (parent !== null && !texts.has(parent) && !keptParent.has(parent)) {
      chain.push(parent);
      parent = nodeOf(parent).parent ?? null;
    }
    const found = parent === null || texts.has(parent) ? parent : (keptParent.get(parent) ?? null);
    for (const skipped of chain) keptParent.set(skipped, found);
    return found;
  };

  const onCurrentPath = new Set<string>();
  for (let key = current; key !== null; key = nodeOf(key).parent ?? null) onCurrentPath.add(key);

  const createdAt = isoTime(conversation.create_time, now);
  const time = (key: string) => nodeOf(key).message?.create_time ?? Number.NEGATIVE_INFINITY;
  // Off-path nodes first, each group by time: the current leaf comes last and is newest.
  const kept = [...texts.keys()]
    .map((key, index) => ({ key, index }))
    .sort(
      (a, b) =>
        Number(onCurrentPath.has(a.key)) - Number(onCurrentPath.has(b.key)) ||
        time(a.key) - time(b.key) ||
        a.index - b.index,
    )
    .map(({ key }) => ({ key, parentKey: keptAncestor(key) }));
  const ordered = orderParentsFirst(kept);
  // Cannot fail: kept parents are ancestors, so they are kept nodes without cycles.
  const order = 'order' in ordered ? ordered.order : kept.map((_, i) => i);

  const title = conversation.title?.trim().slice(0, MAX_TITLE_CHARS) || null;
  return {
    title,
    model: null,
    systemPrompt: null,
    createdAt,
    updatedAt: isoTime(conversation.update_time, createdAt),
    messages: order.map((i) => {
      const { key, parentKey } = kept[i] as { key: string; parentKey: string | null };
      const message = nodeOf(key).message;
      const role = message?.author.role === 'assistant' ? 'assistant' : 'user';
      return {
        key,
        parentKey,
        role,
        content: texts.get(key) as string,
        status: 'complete',
        model: role === 'assistant' ? (message?.metadata?.model_slug?.slice(0, 200) ?? null) : null,
        inputTokens: null,
        outputTokens: null,
        finishReason: null,
        createdAt: isoTime(message?.create_time, createdAt),
      };
    }),
  };
}
