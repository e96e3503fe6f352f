import { useId, useState } from 'preact/hooks';
import { PageHeading } from '../components/PageHeading.tsx';
import { decodeToken, isExpired, type Session } from '../session.ts';

/**
 * Sign-in with a bearer token (the dev issuer's, or an external IdP's). The payload is only
 * read for the subject and roles; the gateway verifies the token on every call.
 */
export function SignIn(props: { expired?: boolean; onSignIn: (session: Session) => void }) {
  const tokenId = useId();
  const hintId = useId();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();

  const submit = (e: Event) => {
    e.preventDefault();
    const session = decodeToken(token);
    if (!session) return setError('That is not a JWT: expected three base64url parts separated by dots.');
    if (isExpired(session)) return setError('That token has expired: get a new one.');
    if (!session.roles.length)
      return setError('That token has no roles the console knows (predict, ingest, admin, model-download).');
    setError(undefined);
    props.onSignIn(session);
  };

  return (
    <section class="sign-in">
      <PageHeading title="Sign in" />
      {props.expired && (
        <p role="alert" class="error">
          The gateway no longer accepts your token (401). Sign in again.
        </p>
      )}
      <form onSubmit={submit} class="card">
        <p class="field">
          <label for={tokenId}>Token</label>
          <input
            id={tokenId}
            name="token"
            type="password"
            autocomplete="off"
            spellcheck={false}
            required
            aria-describedby={hintId}
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
          />
        </p>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        <button type="submit">Sign in</button>
        <p id={hintId} class="hint">
          A bearer token (JWT) with a <code>roles</code> claim. For a local platform (<code>npm start</code>), get an
          admin token with <code>npm run --silent token -- --role admin</code> and paste it here. It is kept for this
          tab only.
        </p>
      </form>
    </section>
  );
}
