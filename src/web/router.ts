import { useSyncExternalStore } from 'react';

/** A tiny history router: the app has six routes, which the server also answers (SPA fallback). */

export type Route =
  | { name: 'home' }
  | { name: 'conversation'; id: string }
  | { name: 'settings' }
  /** The admin console: `/admin` (its first tab) or `/admin/<tab>`. */
  | { name: 'admin'; tab: string | null }
  | { name: 'login' }
  | { name: 'signup' }
  /** A share link's read-only page (`/s/<id>`), shown signed in or not. */
  | { name: 'share'; id: string };

export function parseRoute(pathname: string): Route {
  const conversation = /^\/c\/([^/]+)\/?$/.exec(pathname);
  if (conversation?.[1]) return { name: 'conversation', id: decodeURIComponent(conversation[1]) };
  if (pathname === '/settings') return { name: 'settings' };
  const admin = /^\/admin(?:\/([^/]*))?\/?$/.exec(pathname);
  if (admin) return { name: 'admin', tab: admin[1] ? decodeURIComponent(admin[1]) : null };
  if (pathname === '/login') return { name: 'login' };
  if (pathname === '/signup') return { name: 'signup' };
  const share = /^\/s\/([^/]+)\/?$/.exec(pathname);
  if (share?.[1]) return { name: 'share', id: decodeURIComponent(share[1]) };
  return { name: 'home' };
}

const listeners = new Set<() => void>();
const subscribe = (listener: () => void) => {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
};

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  for (const listener of listeners) listener();
}

export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

export const conversationPath = (id: string) => `/c/${encodeURIComponent(id)}`;
export const sharePath = (id: string) => `/s/${encodeURIComponent(id)}`;

/** A conversation opened at one of its messages (a search hit); the page drops `?m=` once shown. */
export const messagePath = (id: string, messageId: string) =>
  `${conversationPath(id)}?m=${encodeURIComponent(messageId)}`;

/** One query parameter of the address, read again on every navigation. */
export function useSearchParam(name: string): string | null {
  return useSyncExternalStore(subscribe, () => new URLSearchParams(window.location.search).get(name));
}
