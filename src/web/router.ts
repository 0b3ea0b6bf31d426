import { useSyncExternalStore } from 'react';

/** A tiny history router: the app has six routes, which the server also answers (SPA fallback). */

export type Route =
  | { name: 'home' }
  | { name: 'conversation'; id: string }
  | { name: 'settings' }
  /** The admin console: `/admin` (its first tab) or `/admin/<tab>`. */
  | { name: 'admin'; tab: string | null }
  | { name: 'login' }
  | { name: 'signup' };

export function parseRoute(pathname: string): Route {
  const conversation = /^\/c\/([^/]+)\/?$/.exec(pathname);
  if (conversation?.[1]) return { name: 'conversation', id: decodeURIComponent(conversation[1]) };
  if (pathname === '/settings') return { name: 'settings' };
  const admin = /^\/admin(?:\/([^/]*))?\/?$/.exec(pathname);
  if (admin) return { name: 'admin', tab: admin[1] ? decodeURIComponent(admin[1]) : null };
  if (pathname === '/login') return { name: 'login' };
  if (pathname === '/signup') return { name: 'signup' };
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
