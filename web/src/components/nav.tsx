// The navigation bar: the pages, the total unread count, the live connection state, log out.
// Admin links are shown to administrators only (the server refuses the calls anyway).
import { useEffect, useState } from 'preact/hooks';
import type { Route } from '../router.ts';
import type { PageProps } from '../session.ts';
import type { DeviceState } from '../../../sdk/js/src/index.ts';
import { useConversations } from '../conversations.ts';

const stateText: Record<DeviceState, string> = { connecting: 'Connecting…', live: 'Live', offline: 'Offline' };

function section(route: Route): string {
  if (route.page === 'conversation' || route.page === 'thread') return 'inbox';
  if (route.page.startsWith('admin')) return 'admin';
  if (route.page.startsWith('dashboard')) return 'dashboard';
  return route.page;
}

export function Nav({ client, me, live, route, onLogout }: PageProps & { route: Route; onLogout: () => void }) {
  const { conversations } = useConversations(client, live);
  const [liveState, setLiveState] = useState<DeviceState>(live.state);
  useEffect(() => live.onState(setLiveState), [live]);
  const unread = (conversations ?? []).reduce((n, c) => n + c.unread, 0);
  const current = section(route);
  const link = (name: string, href: string, label: string, extra?: preact.ComponentChildren) => (
    <li><a href={href} aria-current={current === name ? 'page' : undefined}>{label}{extra}</a></li>
  );
  return (
    <header class="topbar">
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
      <nav aria-label="Main">
        <a class="brand" href="#/inbox">Missive</a>
        <ul class="navlinks">
          {link('inbox', '#/inbox', 'Inbox', unread > 0
            ? <span class="badge"><span class="sr-only">, unread: </span>{unread}</span>
            : null)}
          {link('compose', '#/compose', 'Compose')}
          {link('sent', '#/sent', 'Sent')}
          {link('search', '#/search', 'Search')}
          {link('dashboard', '#/dashboard', 'Dashboard')}
          {link('settings', '#/settings', 'Settings')}
          {me.is_admin && link('admin', '#/admin/users', 'Admin')}
        </ul>
      </nav>
      <div class="whoami">
        <span class={`live live-${liveState}`} role="status" aria-live="polite">{stateText[liveState]}</span>
        <span class="me" title={me.full_name}>{me.handle}</span>
        <button type="button" class="link-button" onClick={onLogout}>Log out</button>
      </div>
    </header>
  );
}
