// A per-tab cache of messages fetched by id (the inbox labels each conversation with its last
// message). A message that cannot be fetched (expired, withdrawn) is remembered as null.
import { useEffect, useState } from 'preact/hooks';
import type { Message, MissiveClient } from '../../sdk/js/src/index.ts';

const cache = new Map<number, Promise<Message | null>>();

export function messageById(client: MissiveClient, id: number): Promise<Message | null> {
  let p = cache.get(id);
  if (!p) {
    p = client.getMessage(id).catch(() => null);
    cache.set(id, p);
  }
  return p;
}

export function rememberMessage(m: Message): void {
  cache.set(m.id, Promise.resolve(m));
}

export function useMessage(client: MissiveClient, id: number | null): Message | null | undefined {
  const [msg, setMsg] = useState<Message | null | undefined>(undefined);
  useEffect(() => {
    if (!id) { setMsg(null); return; }
    let alive = true;
    setMsg(undefined);
    messageById(client, id).then((m) => { if (alive) setMsg(m); });
    return () => { alive = false; };
  }, [client, id]);
  return msg;
}
