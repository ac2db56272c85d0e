// Hash routing: the server only serves / and /assets/*, so every page lives after the '#'.
// A route is parsed into a small tagged object; pages read their parameters from it.
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'inbox' }
  | { page: 'conversation'; id: number }
  | { page: 'thread'; id: number }
  | { page: 'compose'; to?: string }
  | { page: 'sent' }
  | { page: 'search'; params: URLSearchParams }
  | { page: 'admin-users' }
  | { page: 'admin-groups' }
  | { page: 'admin-reminders' }
  | { page: 'admin-policy' }
  | { page: 'admin-webhooks' }
  | { page: 'admin-outbox' }
  | { page: 'settings' }
  | { page: 'confirm-email'; token: string }
  | { page: 'dashboard' }
  | { page: 'dashboard-message'; id: number }
  | { page: 'not-found'; path: string };

function positiveId(text: string | undefined): number | null {
  if (!text || !/^[1-9][0-9]{0,15}$/.test(text)) return null;
  return Number(text);
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/inbox';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const parts = path.split('/').filter(Boolean);
  const [head, arg] = parts;
  switch (parts.length === 0 ? 'inbox' : head) {
    case 'inbox': return { page: 'inbox' };
    case 'compose': return { page: 'compose', to: params.get('to') ?? undefined };
    case 'sent': return { page: 'sent' };
    case 'search': return { page: 'search', params };
    case 'settings': return { page: 'settings' };
    // The link the server emails to a new address (docs/notifications.md).
    case 'confirm-email': if (arg && /^[A-Za-z0-9._~-]{1,128}$/.test(arg)) return { page: 'confirm-email', token: arg }; break;
    case 'c': { const id = positiveId(arg); if (id) return { page: 'conversation', id }; break; }
    case 'm': { const id = positiveId(arg); if (id) return { page: 'thread', id }; break; }
    case 'admin':
      if (arg === 'users' || arg === undefined) return { page: 'admin-users' };
      if (arg === 'groups') return { page: 'admin-groups' };
      if (arg === 'reminders') return { page: 'admin-reminders' };
      if (arg === 'policy') return { page: 'admin-policy' };
      if (arg === 'webhooks') return { page: 'admin-webhooks' };
      if (arg === 'outbox') return { page: 'admin-outbox' };
      break;
    case 'dashboard': {
      if (arg === undefined) return { page: 'dashboard' };
      const id = positiveId(arg);
      if (id) return { page: 'dashboard-message', id };
      break;
    }
  }
  return { page: 'not-found', path };
}

export function navigate(hash: string): void {
  if (location.hash !== hash) location.hash = hash;
}

// Builds '#/search?q=..' style links with proper encoding.
export function hrefWith(path: string, params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, v);
  const s = search.toString();
  return `#${path}${s ? `?${s}` : ''}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
