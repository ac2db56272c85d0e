// The admin pages' own navigation, above each of them: the main bar has one "Admin" link, and
// the pages behind it are reached from here.
import type { Route } from '../router.ts';

const TABS: [Route['page'], string, string][] = [
  ['admin-users', '#/admin/users', 'Users'],
  ['admin-groups', '#/admin/groups', 'Groups'],
  ['admin-reminders', '#/admin/reminders', 'Reminders due'],
  ['admin-policy', '#/admin/policy', 'Policy'],
  ['admin-webhooks', '#/admin/webhooks', 'Webhooks'],
  ['admin-outbox', '#/admin/outbox', 'Outbox'],
];

export function AdminTabs({ current }: { current: Route['page'] }) {
  return (
    <nav class="admin-tabs" aria-label="Administration">
      <ul>
        {TABS.map(([page, href, label]) => (
          <li key={page}><a href={href} aria-current={current === page ? 'page' : undefined}>{label}</a></li>
        ))}
      </ul>
    </nav>
  );
}
