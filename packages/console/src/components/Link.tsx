import type { ComponentChildren } from 'preact';
import { navigate } from '../router.ts';

/** An ordinary link that moves within the console without a reload (modified clicks open as usual). */
export function Link(props: { href: string; children: ComponentChildren; current?: boolean; class?: string }) {
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.href);
  };
  return (
    <a href={props.href} onClick={onClick} class={props.class} aria-current={props.current ? 'page' : undefined}>
      {props.children}
    </a>
  );
}
