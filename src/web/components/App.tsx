// The global stylesheet first: every component's own stylesheet (imported by the component) must
// come after it in the bundle, so a component's rules win over base rules of equal weight.
import '../styles.css';
import { useCallback, useEffect, useState } from 'react';
import { ApiError, api, type Me, setCsrfToken, setUnauthorizedHandler } from '../api.js';
import { stopLiveEvents } from '../events.js';
import { navigate, parseRoute, usePathname } from '../router.js';
import { AuthScreen } from './AuthScreen.js';
import { Shell } from './Shell.js';

type AuthState =
  | { state: 'loading' }
  | { state: 'error'; message: string }
  | { state: 'out' }
  | { state: 'in'; me: Me };

/** Who is signed in decides between the sign-in screens and the app (AUTH_MODE=none: always the app). */
export function App() {
  const [auth, setAuth] = useState<AuthState>({ state: 'loading' });
  const route = parseRoute(usePathname());

  const load = useCallback(async () => {
    try {
      const me = await api.me();
      setCsrfToken(me.csrfToken);
      setAuth({ state: 'in', me });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) setAuth({ state: 'out' });
      else setAuth({ state: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      stopLiveEvents();
      setCsrfToken(null);
      setAuth({ state: 'out' });
    });
    void load();
  }, [load]);

  useEffect(() => {
    if (auth.state === 'in' && (route.name === 'login' || route.name === 'signup'))
      navigate('/', { replace: true });
  }, [auth.state, route.name]);

  if (auth.state === 'loading') {
    return (
      <div className="splash" aria-busy="true">
        <span className="brand-mark" aria-hidden="true" /> Parley
      </div>
    );
  }
  if (auth.state === 'error') {
    return (
      <div className="splash" role="alert">
        <p>{auth.message}</p>
        <button type="button" className="btn" onClick={() => void load()}>
          Retry
        </button>
      </div>
    );
  }
  if (auth.state === 'out') {
    return (
      <AuthScreen
        key={route.name === 'signup' ? 'signup' : 'login'}
        mode={route.name === 'signup' ? 'signup' : 'login'}
        onSignedIn={(user, csrfToken) => {
          setCsrfToken(csrfToken);
          setAuth({ state: 'in', me: { user, csrfToken, authMode: 'local', via: 'session' } });
          if (route.name === 'login' || route.name === 'signup') navigate('/', { replace: true });
        }}
      />
    );
  }
  return (
    <Shell
      me={auth.me}
      route={route}
      onUserChanged={(user) => setAuth({ state: 'in', me: { ...auth.me, user } })}
      onSignedOut={() => {
        stopLiveEvents();
        setCsrfToken(null);
        setAuth({ state: 'out' });
        navigate('/login');
      }}
    />
  );
}
