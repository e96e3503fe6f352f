import { useEffect, useRef, useState } from 'preact/hooks';
import { configureApi } from './api.ts';
import { Header } from './components/Header.tsx';
import { connectEvents } from './events.ts';
import { live } from './live.ts';
import { Agents } from './pages/Agents.tsx';
import { Alerts } from './pages/Alerts.tsx';
import { ModelDetail } from './pages/ModelDetail.tsx';
import { Models } from './pages/Models.tsx';
import { NotFound } from './pages/NotFound.tsx';
import { Pipeline } from './pages/Pipeline.tsx';
import { RunDetail } from './pages/RunDetail.tsx';
import { Runs } from './pages/Runs.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { hrefFor, navigate, type Route, useRoute } from './router.ts';
import { clearSession, hasAnyRole, loadSession, type Session, saveSession } from './session.ts';
import { SessionContext } from './session-context.ts';

function Page(props: { route: Route }) {
  const { route } = props;
  switch (route.page) {
    case 'models':
      return <Models />;
    case 'model':
      return <ModelDetail key={route.name} name={route.name} />;
    case 'runs':
      return <Runs />;
    case 'run':
      return <RunDetail key={route.id} id={route.id} />;
    case 'pipeline':
      return <Pipeline />;
    case 'alerts':
      return <Alerts />;
    case 'agents':
      return <Agents />;
    default:
      return <NotFound />;
  }
}

const here = () => `${location.pathname}${location.search}`;

/** The shell: session, live events, routing, and moving focus to each new page's heading. */
export function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const first = useRef(true);

  const signOut = (options: { expired?: boolean } = {}) => {
    clearSession();
    live.reset();
    setSession(null);
    // Several calls may fail with 401 together: the first one chose where to come back to.
    if (location.pathname === hrefFor({ page: 'sign-in' })) return;
    const next = options.expired ? here() : undefined;
    navigate(hrefFor({ page: 'sign-in', ...(next ? { next } : {}), ...(options.expired ? { expired: true } : {}) }));
  };

  // Any 401 means the gateway no longer accepts the token: back to sign-in, then back here.
  useEffect(() => configureApi({ onUnauthorized: () => signOut({ expired: true }) }), []);

  // Without a session every page is the sign-in page; with one, the sign-in page moves on.
  useEffect(() => {
    if (!session && route.page !== 'sign-in') navigate(hrefFor({ page: 'sign-in', next: here() }), { replace: true });
    if (session && route.page === 'sign-in') navigate(route.next ?? hrefFor({ page: 'models' }), { replace: true });
  }, [session, route]);

  useEffect(() => {
    if (!session || !hasAnyRole(session, ['predict', 'admin'])) return;
    const connect = () =>
      connectEvents({
        token: session.token,
        onEvent: (event) => live.apply(event),
        onStatus: (status) => {
          live.setStatus(status);
          if (status === 'unauthorized') signOut({ expired: true });
        },
      });
    let stream = connect();
    // A page kept in the back/forward cache would keep its stream (and a connection) open: close it
    // on the way out, open it again when the page is shown from the cache.
    const hide = () => stream.close();
    const show = (e: PageTransitionEvent) => {
      if (e.persisted) stream = connect();
    };
    window.addEventListener('pagehide', hide);
    window.addEventListener('pageshow', show);
    return () => {
      window.removeEventListener('pagehide', hide);
      window.removeEventListener('pageshow', show);
      stream.close();
    };
  }, [session?.token]);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [route]);

  const signIn = (next: Session) => {
    saveSession(next);
    setSession(next);
  };

  return (
    <SessionContext.Provider value={session}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <Header route={route} session={session} onSignOut={() => signOut()} />
      <main id="main" tabIndex={-1}>
        {route.page === 'sign-in' || !session ? (
          <SignIn expired={route.page === 'sign-in' && !!route.expired} onSignIn={signIn} />
        ) : (
          <Page route={route} />
        )}
      </main>
    </SessionContext.Provider>
  );
}
