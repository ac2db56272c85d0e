// The read-% dashboard: #/dashboard (the list) and #/dashboard/ID (one message). Both receive
// { client, me, live } from the shell and stay current through live `status` entries.
import './dashboard.css';

export { Dashboard } from './list.tsx';
export { DashboardMessage } from './message.tsx';
