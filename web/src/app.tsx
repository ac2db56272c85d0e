// The shell: finds out whether the cookie session is still valid, shows the login form or the
// navigation and the page of the current route, and owns the tab's live Device.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, MissiveClient, ROUTES } from '../../sdk/js/src/index.ts';
import type { User } from '../../sdk/js/src/index.ts';
import { startLive } from './live.ts';
import type { Live } from './live.ts';
import { useRoute } from './router.ts';
import type { Route } from './router.ts';
import type { PageProps } from './session.ts';
import { useTitle } from './hooks.ts';
import { Login } from './pages/login.tsx';
import { Nav } from './components/nav.tsx';
import { Inbox } from './pages/inbox.tsx';
import { Conversation } from './pages/conversation.tsx';
import { Thread } from './pages/thread.tsx';
import { Compose } from './pages/compose.tsx';
import { Sent } from './pages/sent.tsx';
import { Search } from './pages/search.tsx';
import { AdminUsers, AdminGroups, AdminReminders, AdminPolicy, AdminWebhooks, AdminOutbox, AdminTabs } from './admin/index.tsx';
import { Settings } from './pages/settings.tsx';
import { ConfirmEmail } from './pages/confirm-email.tsx';
import { Dashboard, DashboardMessage } from './dashboard/index.tsx';

// Any 401 outside logging in (a wrong password is a 401 too) means the session ended (logged
// out in another tab, expired, account deactivated): the shell hears of it and shows the login
// form again.
const sessionEnded = new Set<() => void>();
function isLogin(input: RequestInfo | URL): boolean {
  const url = new URL(input instanceof Request ? input.url : String(input), location.href);
  return url.pathname === ROUTES.login.path;
}
const client = new MissiveClient({
  baseUrl: '',
  fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
    const res = await globalThis.fetch(input, init);
    if (res.status === 401 && !isLogin(input)) {
      for (const fn of sessionEnded) fn();
    }
    return res;
  },
});

type Session = { state: 'loading' } | { state: 'out' } | { state: 'in'; me: User; live: Live };

function Page({ route, props }: { route: Route; props: PageProps }) {
  switch (route.page) {
    case 'inbox': return <Inbox {...props} />;
    case 'conversation': return <Conversation key={route.id} id={route.id} {...props} />;
    case 'thread': return <Thread key={route.id} id={route.id} {...props} />;
    case 'compose': return <Compose to={route.to} {...props} />;
    case 'sent': return <Sent {...props} />;
    case 'search': return <Search key={route.params.toString()} params={route.params} {...props} />;
    case 'dashboard': return <Dashboard {...props} />;
    case 'dashboard-message': return <DashboardMessage key={route.id} id={route.id} {...props} />;
    case 'settings': return <Settings {...props} />;
    case 'confirm-email': return <ConfirmEmail client={props.client} token={route.token} loggedIn />;
    case 'admin-users':
    case 'admin-groups':
    case 'admin-reminders':
    case 'admin-policy':
    case 'admin-webhooks':
    case 'admin-outbox':
      // The one check of who may see the admin pages; a user demoted while logged in still
      // passes it, and the pages then show the server's refusal (403).
      if (!props.me.is_admin) return <Missing text="This page is for administrators." />;
      return <><AdminTabs current={route.page} /><AdminPage route={route} props={props} /></>;
    case 'not-found': return <Missing text={`There is no page “${route.path}”.`} />;
  }
}

function AdminPage({ route, props }: { route: Route; props: PageProps }) {
  switch (route.page) {
    case 'admin-groups': return <AdminGroups {...props} />;
    case 'admin-reminders': return <AdminReminders {...props} />;
    case 'admin-policy': return <AdminPolicy {...props} />;
    case 'admin-webhooks': return <AdminWebhooks {...props} />;
    case 'admin-outbox': return <AdminOutbox {...props} />;
    default: return <AdminUsers {...props} />;
  }
}

function Missing({ text }: { text: string }) {
  useTitle('Not found');
  return (
    <section class="page">
      <h1>Not found</h1>
      <p>{text} <a href="#/inbox">Go to the inbox</a>.</p>
    </section>
  );
}

export function App() {
  const [session, setSession] = useState<Session>({ state: 'loading' });
  const route = useRoute();

  const enter = async (me: User) => {
    const live = await startLive(client, me.id);
    const end = () => { sessionEnded.delete(end); live.stop(); setSession({ state: 'out' }); };
    sessionEnded.add(end);
    live.onSignedOut(end);
    setSession({ state: 'in', me, live });
  };

  useEffect(() => {
    client.me().then(enter, (err: unknown) => {
      if (!(err instanceof ApiError) || err.status !== 401) console.error(err);
      setSession({ state: 'out' });
    });
  }, []);

  // After a navigation, focus moves to the page (keyboard and screen-reader users start at its
  // top, not on the link they left); the first render keeps the browser's own focus.
  const routeKey = JSON.stringify(route);
  const firstRoute = useRef(true);
  useEffect(() => {
    if (firstRoute.current) { firstRoute.current = false; return; }
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [routeKey]);

  const logout = async () => {
    sessionEnded.clear();
    if (session.state === 'in') session.live.stop();
    try { await client.logout(); } catch { /* the cookie may be gone already */ }
    setSession({ state: 'out' });
  };

  if (session.state === 'loading') return <p class="loading" role="status">Loading…</p>;
  if (session.state === 'out') {
    // The confirmation link works without logging in: whoever holds the token may use it.
    if (route.page === 'confirm-email') {
      return (
        <main class="login" id="main">
          <div class="card login-card"><ConfirmEmail client={client} token={route.token} loggedIn={false} /></div>
        </main>
      );
    }
    return <Login client={client} onLogin={enter} />;
  }
  const props: PageProps = { client, me: session.me, live: session.live };
  return (
    <div class="shell">
      <Nav {...props} route={route} onLogout={logout} />
      <main id="main" tabIndex={-1}>
        <Page route={route} props={props} />
      </main>
    </div>
  );
}
