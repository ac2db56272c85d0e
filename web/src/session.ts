// Shared shapes passed to every page (the admin and dashboard pages get the same props).
import type { MissiveClient, User } from '../../sdk/js/src/index.ts';
import type { Live } from './live.ts';

export interface PageProps {
  client: MissiveClient;
  me: User;
  live: Live;
}
