/**
 * Where to go after signing in, from `?next=` on /login: only a share page of this site (the one
 * place that sends people to sign in and back), never another origin or path.
 */
export function nextAfterSignIn(search: string = window.location.search): string | null {
  const next = new URLSearchParams(search).get('next');
  return next && /^\/s\/[A-Za-z0-9_-]{1,64}$/.test(next) ? next : null;
}
