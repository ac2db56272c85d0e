// The inbox: conversations, most recent activity first, with unread counts that follow the
// live timeline (see conversations.ts). Each row is labelled by its last message.
import { useEffect, useState } from 'preact/hooks';
import type { Conversation, MissiveClient } from '../../../sdk/js/src/index.ts';
import type { PageProps } from '../session.ts';
import { useConversations } from '../conversations.ts';
import { useMessage } from '../messages.ts';
import { useTitle } from '../hooks.ts';
import { allGroups, useUserName, when } from '../util.ts';

const PAGE = 50;

function ConversationRow({ conv, client, meId, groupName }: { conv: Conversation; client: MissiveClient; meId: number; groupName?: string }) {
  const last = useMessage(client, conv.last_message_id);
  const sender = useUserName(client, last && last.creator_id !== meId ? last.creator_id : null);
  const title = last ? last.subject : last === null ? 'Message no longer available' : '…';
  const who = !last ? '' : last.creator_id === meId ? `You → ${last.sent_to}` : sender;
  const where = conv.kind === 'group' ? (groupName ?? 'Group') : conv.kind === 'multi' ? 'Several people' : 'Direct';
  return (
    <li class={conv.unread > 0 ? 'unread' : ''} data-conversation={conv.id}>
      <a class="row-link" href={`#/c/${conv.id}`}>
        <span class="row-title">{title}</span>
        <span class="row-meta">
          <time dateTime={conv.last_activity}>{when(conv.last_activity)}</time>
          {conv.unread > 0 && <span class="badge">{conv.unread}<span class="sr-only"> unread</span></span>}
        </span>
        <span class="row-sub">{who}{who ? ' · ' : ''}{where}</span>
      </a>
    </li>
  );
}

export function Inbox({ client, me, live }: PageProps) {
  useTitle('Inbox');
  const { conversations, error } = useConversations(client, live);
  const [shown, setShown] = useState(PAGE);
  const [groupNames, setGroupNames] = useState<Map<number, string>>(new Map());
  useEffect(() => {
    allGroups(client).then((gs) => setGroupNames(new Map(gs.map((g) => [g.id, g.name]))));
  }, [client]);

  const sorted = (conversations ?? []).slice().sort((a, b) => b.last_activity.localeCompare(a.last_activity));
  const unread = sorted.reduce((n, c) => n + c.unread, 0);
  return (
    <section class="page" aria-labelledby="inbox-title">
      <div class="page-head">
        <h1 id="inbox-title">Inbox</h1>
        <p class="muted">
          {conversations ? `${sorted.length} conversation${sorted.length === 1 ? '' : 's'}, ${unread} unread` : ''}
        </p>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {!conversations && !error && <p class="muted" role="status">Loading…</p>}
      {conversations && sorted.length === 0 && (
        <p class="empty card">No messages yet. <a href="#/compose">Write one</a>.</p>
      )}
      {sorted.length > 0 && (
        <ul class="list" aria-label="Conversations">
          {sorted.slice(0, shown).map((c) => (
            <ConversationRow key={c.id} conv={c} client={client} meId={me.id}
              groupName={c.group_id ? groupNames.get(c.group_id) : undefined} />
          ))}
        </ul>
      )}
      {sorted.length > shown && (
        <div class="actions">
          <button type="button" onClick={() => setShown(shown + PAGE)}>Show more conversations</button>
        </div>
      )}
    </section>
  );
}
