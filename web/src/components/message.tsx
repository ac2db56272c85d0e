// One message as a card (conversation and thread pages): sender, recipients, date, subject,
// body as text (Preact escapes it; line breaks kept by CSS), and its actions: reply, reply to
// all, the thread, and for the sender the read count with a link to the read chart.
import { useState } from 'preact/hooks';
import type { Message, User } from '../../../sdk/js/src/index.ts';
import type { MissiveClient } from '../../../sdk/js/src/index.ts';
import { errorText, newClientMsgId, useUserName, when } from '../util.ts';
import type { Live } from '../live.ts';
import { useUploads } from '../uploads.ts';
import { AttachField, useFileDrop } from './attach.tsx';
import { Attachments } from './attachments.tsx';

export function ReplyForm({ client, parent, all, onDone, onCancel }: {
  client: MissiveClient; parent: Message; all: boolean; onDone: (m: Message) => void; onCancel: () => void;
}) {
  const [body, setBody] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [key] = useState(newClientMsgId);
  const uploads = useUploads(client);
  const drop = useFileDrop(uploads);
  const id = `reply-${parent.id}`;
  const waiting = uploads.running || uploads.failed;
  const submit = async (e: Event) => {
    e.preventDefault();
    if (waiting) return;
    setBusy(true);
    setError('');
    try {
      const attachments = uploads.ids();
      const m = await client.reply(parent.id, { body, reply_all: all, client_msg_id: key, ...(attachments.length ? { attachments } : {}) });
      onDone(m);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <form class={`reply-form${drop.dragging ? ' dropping' : ''}`} onSubmit={submit} {...drop.props}>
      <label for={id}>{all ? 'Reply to all' : 'Reply'} to “{parent.subject}”</label>
      <textarea id={id} value={body} required autoFocus onInput={(e) => setBody(e.currentTarget.value)} />
      <AttachField uploads={uploads} id={id} />
      {error && <p class="error" role="alert">{error}</p>}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || waiting}>{busy ? 'Sending…' : 'Send reply'}</button>
        <button type="button" onClick={onCancel}>Cancel</button>
        {uploads.running && <span class="muted">Waiting for the uploads…</span>}
      </div>
    </form>
  );
}

export function MessageCard({ message, me, client, live, unread, onReplied, current, threadLink = true }: {
  message: Message; me: User; client: MissiveClient; live?: Live; unread?: boolean;
  onReplied?: (m: Message) => void; current?: boolean; threadLink?: boolean;
}) {
  const own = message.creator_id === me.id;
  const sender = useUserName(client, own ? null : message.creator_id);
  const [replying, setReplying] = useState<'one' | 'all' | null>(null);
  const [sent, setSent] = useState('');
  const headingId = `msg-${message.id}-subject`;
  return (
    <article class={`message${own ? ' own' : ''}${unread ? ' is-unread' : ''}`} aria-labelledby={headingId}
      aria-current={current ? 'true' : undefined} data-message={message.id}>
      <header>
        <span><span class="from">{own ? 'You' : sender}</span> <span class="muted">→ {message.sent_to}</span></span>
        <time class="muted" dateTime={message.create_date}>{when(message.create_date)}</time>
      </header>
      <h3 class="subject" id={headingId}>{message.subject}{unread && <span class="sr-only"> (unread)</span>}</h3>
      <div class="body">{message.body}</div>
      <Attachments client={client} live={live} attachments={message.attachments ?? []} />
      {own && message.recipient_count !== undefined && (
        <p class="stats">
          <span>Delivered {message.delivered_count ?? 0} of {message.recipient_count}</span>
          <span>Read {message.read_count ?? 0} of {message.recipient_count}</span>
          <a href={`#/dashboard/${message.id}`}>Read report</a>
        </p>
      )}
      <div class="tools">
        <button type="button" onClick={() => setReplying('one')} aria-expanded={replying === 'one'}>Reply</button>
        <button type="button" onClick={() => setReplying('all')} aria-expanded={replying === 'all'}>Reply all</button>
        {threadLink && <a class="link-button" href={`#/m/${message.id}`}>Thread</a>}
      </div>
      {sent && <p class="ok" role="status">{sent}</p>}
      {replying && (
        <ReplyForm client={client} parent={message} all={replying === 'all'}
          onCancel={() => setReplying(null)}
          onDone={(m) => { setReplying(null); setSent('Reply sent.'); onReplied?.(m); }} />
      )}
    </article>
  );
}

export function Placeholder({ seq }: { seq: number }) {
  return (
    <article class="message placeholder" data-placeholder={seq}>
      <p>This message was withdrawn or has expired.</p>
    </article>
  );
}
