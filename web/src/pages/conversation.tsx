// One conversation: its history paged backwards ("Load older"), newest at the bottom, with
// placeholders where a message was withdrawn or expired. New messages arrive live (a timeline
// entry for this conversation pulls the slots above the newest shown). What is shown while the
// tab is visible is marked read, which the other tabs and devices learn through `read` entries.
import { useEffect, useRef, useState } from 'preact/hooks';
import { slotMessage } from '../../../sdk/js/src/index.ts';
import type { MessageSlot } from '../../../sdk/js/src/index.ts';
import type { PageProps } from '../session.ts';
import { useConversations } from '../conversations.ts';
import { MessageCard, Placeholder } from '../components/message.tsx';
import { useTitle } from '../hooks.ts';
import { errorText } from '../util.ts';

const PAGE = 30;

function merge(a: MessageSlot[], b: MessageSlot[]): MessageSlot[] {
  const bySeq = new Map<number, MessageSlot>();
  for (const s of a) bySeq.set(s.seq, s);
  for (const s of b) bySeq.set(s.seq, s);
  return [...bySeq.values()].sort((x, y) => x.seq - y.seq);
}

export function Conversation({ id, client, me, live }: PageProps & { id: number }) {
  const [slots, setSlots] = useState<MessageSlot[]>([]);
  const [older, setOlder] = useState<number | null | undefined>(undefined);
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(true);
  const { conversations } = useConversations(client, live);
  const conv = conversations?.find((c) => c.id === id);
  const maxSeq = slots.length ? slots[slots.length - 1].seq : 0;
  const maxRef = useRef(0);
  maxRef.current = maxSeq;
  const first = slots.map(slotMessage).find((m) => m !== null);
  useTitle(first ? first.subject : 'Conversation');

  useEffect(() => {
    client.conversationMessages(id, { limit: PAGE }).then((page) => {
      setSlots(merge([], page.slots));
      setOlder(page.next);
      setLoading(false);
      // Open at the newest message, like any chat.
      requestAnimationFrame(() => document.querySelector('.conversation > li:last-child')?.scrollIntoView({ block: 'end' }));
    }, (err) => { setError(errorText(err)); setLoading(false); });
  }, [client, id]);

  // Pulls every slot above the newest shown, for live entries, replies and resets.
  const pullNewer = async () => {
    const fresh: MessageSlot[] = [];
    for await (const slot of client.conversationSlots(id, { after: maxRef.current })) fresh.push(slot);
    if (fresh.length) setSlots((s) => merge(s, fresh));
  };

  useEffect(() => {
    const offEntry = live.subscribe((entry) => {
      if (entry.conversation !== id) return;
      if (entry.kind === 'message') {
        if (entry.conv_seq > maxRef.current) pullNewer().catch((err) => setError(errorText(err)));
        else {
          const message = slotMessage(entry);
          setSlots((s) => merge(s, [message ? { seq: entry.conv_seq, message } : { seq: entry.conv_seq, placeholder: true }]));
        }
      } else if (entry.kind === 'expiry') {
        // A withdrawal or expiry turns the slot into a placeholder; a new future date keeps it.
        const ended = entry.expiry_date !== null && Date.parse(entry.expiry_date) <= Date.now();
        if (ended) setSlots((s) => merge(s, [{ seq: entry.conv_seq, placeholder: true }]));
      }
    });
    const offReset = live.onReset(() => { pullNewer().catch(() => {}); });
    return () => { offEntry(); offReset(); };
  }, [live, id]);

  // Mark read what is shown, while the tab is visible; again when it becomes visible.
  const unread = conv?.unread ?? 0;
  useEffect(() => {
    const mark = () => {
      if (document.visibilityState !== 'visible' || maxSeq === 0 || unread === 0) return;
      client.markConversationRead(id, maxSeq).catch(() => {});
    };
    mark();
    document.addEventListener('visibilitychange', mark);
    return () => document.removeEventListener('visibilitychange', mark);
  }, [client, id, maxSeq, unread]);

  const loadOlder = async () => {
    if (!older) return;
    try {
      const page = await client.conversationMessages(id, { before: older, limit: PAGE });
      setSlots((s) => merge(s, page.slots));
      setOlder(page.next);
    } catch (err) { setError(errorText(err)); }
  };

  const readSeq = conv?.read_seq ?? 0;
  return (
    <section class="page" aria-labelledby="conv-title">
      <div class="page-head">
        <h1 id="conv-title">{first ? first.subject : 'Conversation'}</h1>
        <a href="#/inbox">Back to the inbox</a>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {loading && <p class="muted" role="status">Loading…</p>}
      {older ? <button type="button" class="load-older" onClick={loadOlder}>Load older messages</button> : null}
      <ol class="tree conversation" aria-label="Messages">
        {slots.map((s) => {
          const m = slotMessage(s);
          return (
            <li key={s.seq}>
              {m
                ? <MessageCard message={m} me={me} client={client} live={live}
                    unread={m.creator_id !== me.id && !m.is_read && s.seq > readSeq}
                    onReplied={() => pullNewer().catch(() => {})} />
                : <Placeholder seq={s.seq} />}
            </li>
          );
        })}
      </ol>
      {!loading && slots.length === 0 && !error && <p class="empty card">Nothing here.</p>}
    </section>
  );
}
