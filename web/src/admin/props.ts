// The props every admin page receives from the shell, and the SDK types they use.
import type { Group, MissiveClient, User, SyncEntry } from '../../../sdk/js/src/index.ts';

export type { Group, MissiveClient, User, SyncEntry };

export interface Live {
  subscribe(fn: (entry: SyncEntry) => void): () => void;
}

export interface PageProps {
  client: MissiveClient;
  me: User;
  live: Live;
}
