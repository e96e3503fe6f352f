import { useLive } from '../live.ts';
import type { Route } from '../router.ts';
import type { Session } from '../session.ts';
import { Link } from './Link.tsx';
import { Nav } from './Nav.tsx';

const STREAM_TEXT: Record<string, string> = {
  open: 'Live',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  forbidden: 'No live updates',
  unauthorized: 'Signed out',
  closed: 'Offline',
};

/** The banner: the product, the main navigation, who is signed in, and the live stream's state. */
export function Header(props: { route: Route; session: Session | null; onSignOut: () => void }) {
  const { status } = useLive();
  const { session } = props;
  return (
    <header class="site-header">
      <Link href="/console" class="brand">
        Meridian <span class="brand-sub">console</span>
      </Link>
      {session && <Nav route={props.route} />}
      {session && (
        <div class="account">
          <span class={`stream stream-${status}`} title="Live event stream">
            {STREAM_TEXT[status] ?? status}
          </span>
          <span class="who">
            {session.subject} <span class="roles">({session.roles.join(', ') || 'no roles'})</span>
          </span>
          <button type="button" class="secondary" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      )}
    </header>
  );
}
