import type { Conversation } from '../api.js';
import type { DatedGroup } from '../sidebar-groups.js';
import { ConversationListItem } from './ConversationListItem.js';

/** A "Pinned" group (if any) then the date groups, each a labelled list of rows. */
export function DateGroups({
  pinned,
  groups,
  level = 2,
}: {
  pinned: Conversation[];
  groups: DatedGroup[];
  /** Heading level: 2 at the top, 3 inside a folder. */
  level?: 2 | 3;
}) {
  const Heading = level === 2 ? 'h2' : 'h3';
  const Wrapper = level === 2 ? 'section' : 'div';
  const all = [...(pinned.length > 0 ? [{ group: 'Pinned', items: pinned }] : []), ...groups];
  return (
    <>
      {all.map(({ group, items }) => (
        // Inside a folder a group, not a region: landmarks' names must be unique ("Today" twice).
        <Wrapper key={group} aria-label={group} {...(level === 3 ? { role: 'group' } : {})}>
          <Heading className="group-title">{group}</Heading>
          <ul>
            {items.map((conversation) => (
              <ConversationListItem key={conversation.id} conversation={conversation} />
            ))}
          </ul>
        </Wrapper>
      ))}
    </>
  );
}
