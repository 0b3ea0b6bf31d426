// The global stylesheet first: every component's own stylesheet (imported by the component) must
// come after it in the bundle, so a component's rules win over base rules of equal weight.
import '../styles.css';
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { ApiError, api, type Me, setCsrfToken, setUnauthorizedHandler } from '../api.js';
import { forgetDrafts, setDraftOwner } from '../drafts.js';
import { stopLiveEvents } from '../events.js';
import { navigate, parseRoute, usePathname } from '../router.js';
import { AuthScreen } from './AuthScreen.js';
import { nextAfterSignIn } from './share-next.js';

/**
 * The signed-in app and the share page are chunks of their own: the sign-in screen loads neither,
 * and the app's first download is only React, this file and the sign-in screens.
 */
const Shell = lazy(() => import('./Shell.js').then((module) => ({ default: module.Shell })));
const SharePage = lazy(() => import('./SharePage.js').then((module) => ({ default: module.SharePage })));

type AuthState =
  | { state: 'loading' }
  | { state: 'error'; message: string; retryAfter?: number }
  /** `ended`: this tab was signed in and the API said the session is over (the screen says why). */
  | { state: 'out'; ended?: boolean }
  | { state: 'in'; me: Me };

/** Who is signed in decides between the sign-in screens and the app (AUTH_MODE=none: always the app). */
export function App() {
  const [auth, setAuth] = useState<AuthState>({ state: 'loading' });
  const route = parseRoute(usePathname());

  const load = useCallback(async () => {
    try {
      const me = await api.me();
      setCsrfToken(me.csrfToken);
      setDraftOwner(me.user.id);
      setAuth({ state: 'in', me });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) setAuth({ state: 'out' });
      else
        setAuth({
          state: 'error',
          // The server's 429 words are about requests and credentials; say it for a person.
          message:
            error instanceof ApiError && error.status === 429
              ? 'Too many requests from this browser or network just now.'
              : error instanceof Error
                ? error.message
                : String(error),
          retryAfter: error instanceof ApiError ? error.retryAfter : undefined,
        });
    }
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      stopLiveEvents();
      setCsrfToken(null);
      // The drafts stay (drafts.ts): signing in again brings them back.
      setAuth((current) => (current.state === 'in' ? { state: 'out', ended: true } : current));
    });
    void load();
  }, [load]);

  // Too many requests (429) while starting: the message shows, and the app tries again by itself.
  const retryAfter = auth.state === 'error' ? auth.retryAfter : undefined;
  useEffect(() => {
    if (retryAfter === undefined) return;
    const timer = setTimeout(() => void load(), Math.min(retryAfter, 120) * 1000);
    return () => clearTimeout(timer);
  }, [retryAfter, load]);

  useEffect(() => {
    if (auth.state === 'in' && (route.name === 'login' || route.name === 'signup'))
      navigate(nextAfterSignIn() ?? '/', { replace: true });
  }, [auth.state, route.name]);

  if (auth.state === 'loading') return <Splash />;
  if (auth.state === 'error') {
    return (
      <main className="splash">
        <h1 className="sr-only">Parley</h1>
        <p role="alert">{auth.message}</p>
        {auth.retryAfter !== undefined && (
          <p className="muted">Parley tries again by itself in {Math.ceil(auth.retryAfter)} s.</p>
        )}
        <button type="button" className="btn" onClick={() => void load()}>
          Retry
        </button>
      </main>
    );
  }
  // A share link's page: read-only, for readers signed in or not (the share says who may read it).
  if (route.name === 'share') {
    return (
      <Suspense fallback={<Splash />}>
        <SharePage id={route.id} signedIn={auth.state === 'in'} />
      </Suspense>
    );
  }
  if (auth.state === 'out') {
    return (
      <AuthScreen
        key={route.name === 'signup' ? 'signup' : 'login'}
        mode={route.name === 'signup' ? 'signup' : 'login'}
        sessionEnded={auth.ended === true}
        onSignedIn={(user, csrfToken) => {
          setCsrfToken(csrfToken);
          setDraftOwner(user.id);
          setAuth({ state: 'in', me: { user, csrfToken, authMode: 'local', via: 'session' } });
          if (route.name === 'login' || route.name === 'signup')
            navigate(nextAfterSignIn() ?? '/', { replace: true });
        }}
      />
    );
  }
  return (
    <Suspense fallback={<Splash />}>
      <Shell
        me={auth.me}
        route={route}
        onUserChanged={(user) => setAuth({ state: 'in', me: { ...auth.me, user } })}
        onSignedOut={() => {
          // Signing out on purpose (perhaps on a shared computer) forgets the unsent drafts.
          forgetDrafts(auth.me.user.id);
          stopLiveEvents();
          setCsrfToken(null);
          setAuth({ state: 'out' });
          navigate('/login');
        }}
      />
    </Suspense>
  );
}

/** While the session is checked, or the app's chunk loads: the brand, where the app will be. */
function Splash() {
  return (
    <div className="splash" aria-busy="true">
      <span className="brand-mark" aria-hidden="true" /> Parley
    </div>
  );
}
