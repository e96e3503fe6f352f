import type { ComponentChildren } from 'preact';
import type { ApiState } from '../use-api.ts';

/**
 * What a fetched panel shows: "Loading…" the first time, the error (as an alert) when the call
 * failed, a quiet note for a 404 when `notFound` says what that means, else the data.
 */
export function Remote<T>(props: { state: ApiState<T>; notFound?: string; children: (data: T) => ComponentChildren }) {
  const { data, error, loading } = props.state;
  if (error?.status === 404 && props.notFound) return <p class="muted">{props.notFound}</p>;
  return (
    <>
      {error && (
        <p role="alert" class="error">
          {error.message}
        </p>
      )}
      {data !== undefined ? props.children(data) : loading && <p class="muted">Loading…</p>}
    </>
  );
}
