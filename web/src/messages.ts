// A per-tab cache of messages fetched by id (the inbox labels each conversation with its last
// message). A message that cannot be fetched (expired, withdrawn) is remembered as null.
import { useEffect, useState } from 'preact/hooks';
import type { Message, MissiveClient } from '../../sdk/js/src/index.ts';
import { cacheById } from './util.ts';

const messages = cacheById<Message>((client, id) => client.getMessage(id));
export const rememberMessage = messages.remember;

export function useMessage(client: MissiveClient, id: number | null): Message | null | undefined {
  const [msg, setMsg] = useState<Message | null | undefined>(undefined);
  useEffect(() => {
    if (!id) { setMsg(null); return; }
    let alive = true;
    setMsg(undefined);
    messages.get(client, id).then((m) => { if (alive) setMsg(m); });
    return () => { alive = false; };
  }, [client, id]);
  return msg;
}
