// A thread as a nested tree, at any depth: each reply is listed under its parent. The message
// the route names is highlighted and scrolled to. Unread messages shown here are marked read;
// a new reply anywhere in the thread (a live message entry with this root) reloads the tree.
import { useEffect, useState } from 'preact/hooks';
import type { Thread as ThreadBody, ThreadNode } from '../../../sdk/js/src/index.ts';
import type { PageProps } from '../session.ts';
import { MessageCard } from '../components/message.tsx';
import { useTitle } from '../hooks.ts';
import { errorText } from '../util.ts';

function collect(node: ThreadNode, out: ThreadNode[] = []): ThreadNode[] {
  out.push(node);
  for (const r of node.replies) collect(r, out);
  return out;
}

function Node({ node, depth, props, focus, onReplied }: {
  node: ThreadNode; depth: number; props: PageProps; focus: number; onReplied: () => void;
}) {
  return (
    <li data-depth={depth}>
      <MessageCard message={node.message} me={props.me} client={props.client} live={props.live}
        current={node.message.id === focus} threadLink={false} onReplied={onReplied} />
      {node.replies.length > 0 && (
        <ol aria-label={`Replies to “${node.message.subject}”`}>
          {node.replies.map((r) => (
            <Node key={r.message.id} node={r} depth={depth + 1} props={props} focus={focus} onReplied={onReplied} />
          ))}
        </ol>
      )}
    </li>
  );
}

export function Thread({ id, client, me, live }: PageProps & { id: number }) {
  const [thread, setThread] = useState<ThreadBody | null>(null);
  const [error, setError] = useState('');
  const [version, setVersion] = useState(0);
  const reload = () => setVersion((v) => v + 1);
  useTitle(thread ? thread.root.message.subject : 'Thread');

  useEffect(() => {
    client.thread(id).then(setThread, (err) => setError(errorText(err)));
  }, [client, id, version]);

  const rootId = thread?.root.message.root_id;
  useEffect(() => {
    if (!rootId) return;
    return live.subscribe((entry) => {
      if (entry.kind === 'message' && entry.message?.root_id === rootId) reload();
      if (entry.kind === 'expiry' && thread && collect(thread.root).some((n) => n.message.id === entry.message_id)) reload();
    });
  }, [live, rootId, thread]);

  // Mark read the received messages of the thread that are still unread for the caller.
  useEffect(() => {
    if (!thread || document.visibilityState !== 'visible') return;
    for (const n of collect(thread.root)) {
      if (n.message.creator_id !== me.id && !n.message.is_read) client.markRead(n.message.id).catch(() => {});
    }
  }, [thread]);

  // Bring the named message into view once the tree is there.
  useEffect(() => {
    if (thread) document.querySelector(`[data-message="${id}"]`)?.scrollIntoView({ block: 'center' });
  }, [thread === null, id]);

  const props = { client, me, live };
  return (
    <section class="page" aria-labelledby="thread-title">
      <div class="page-head">
        <h1 id="thread-title">{thread ? `Thread: ${thread.root.message.subject}` : 'Thread'}</h1>
        {thread && <a href={`#/c/${thread.root.message.conversation_id}`}>Conversation</a>}
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {!thread && !error && <p class="muted" role="status">Loading…</p>}
      {thread && (
        <ol class="tree" aria-label="Thread">
          <Node node={thread.root} depth={0} props={props} focus={id} onReplied={reload} />
        </ol>
      )}
    </section>
  );
}
