import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';

/** The page's one h1; it names the tab too, and takes focus after a navigation (see App). */
export function PageHeading(props: { title: string; children?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${props.title} · Meridian console`;
  }, [props.title]);
  return (
    <div class="page-heading">
      <h1 tabIndex={-1}>{props.title}</h1>
      {props.children}
    </div>
  );
}
