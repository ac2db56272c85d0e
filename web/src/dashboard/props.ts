// The props the dashboard pages receive from the shell, and the SDK types they use.
import type {
  DashboardRow, GroupReadRow, MissiveClient, ReadHistory, ReadReport, RecipientReadRow, SyncEntry, User,
} from '../../../sdk/js/src/index.ts';

export type { DashboardRow, GroupReadRow, MissiveClient, ReadHistory, ReadReport, RecipientReadRow, SyncEntry, User };

export interface Live {
  subscribe(fn: (entry: SyncEntry) => void): () => void;
}

export interface PageProps {
  client: MissiveClient;
  me: User;
  live: Live;
}
