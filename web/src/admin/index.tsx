// The admin pages (#/admin/users, #/admin/groups, #/admin/reminders, #/admin/policy,
// #/admin/webhooks, #/admin/outbox), reached through AdminTabs. Each receives { client, me,
// live } from the shell and shows "Admins only" when the server answers 403.
import './admin.css';

export { AdminUsers } from './users.tsx';
export { AdminGroups } from './groups.tsx';
export { AdminReminders } from './reminders.tsx';
export { AdminPolicy } from './policy.tsx';
export { AdminWebhooks } from './webhooks.tsx';
export { AdminOutbox } from './outbox.tsx';
export { AdminTabs } from './tabs.tsx';
