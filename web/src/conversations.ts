// The conversation list with unread counts, shared by the navigation (total unread) and the
// inbox. One store per live Device: any entry that can change a count (a message, a read on
// any device, an expiry or withdrawal) refetches the list, so counts are the server's and stay
// equal across tabs and devices. Refetches are coalesced: a burst of entries costs one request.
import { useEffect, useState } from 'preact/hooks';
import type { Conversation, MissiveClient } from '../../sdk/js/src/index.ts';
import type { Live } from './live.ts';
import { coalesce, errorText } from './util.ts';

export interface ConversationState {
  conversations: Conversation[] | null;
  error: string;
}

type Listener = (s: ConversationState) => void;

class ConversationStore {
  state: ConversationState = { conversations: null, error: '' };
  private listeners = new Set<Listener>();
  readonly refresh = coalesce(() => this.client.conversations().then(
    (body) => this.set({ conversations: body.conversations, error: '' }),
    (err: unknown) => this.set({ ...this.state, error: errorText(err) }),
  ));

  constructor(private client: MissiveClient, live: Live) {
    live.subscribe((entry) => {
      if (entry.kind === 'message' || entry.kind === 'read' || entry.kind === 'expiry') this.refresh();
    });
    live.onReset(() => this.refresh());
    live.onState((s) => { if (s === 'live') this.refresh(); });
    this.refresh();
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }

  private set(s: ConversationState) {
    this.state = s;
    for (const fn of this.listeners) fn(s);
  }
}

const stores = new WeakMap<Live, ConversationStore>();

export function conversationStore(client: MissiveClient, live: Live): ConversationStore {
  let store = stores.get(live);
  if (!store) { store = new ConversationStore(client, live); stores.set(live, store); }
  return store;
}

export function useConversations(client: MissiveClient, live: Live): ConversationState {
  const store = conversationStore(client, live);
  const [state, setState] = useState(store.state);
  useEffect(() => { setState(store.state); return store.subscribe(setState); }, [store]);
  return state;
}
