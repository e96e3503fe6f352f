import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

/**
 * A data table with its caption, in a region that scrolls sideways on narrow screens and can
 * be scrolled with the keyboard (it is focusable and named by the caption).
 */
export function ScrollTable(props: { caption: string; children: ComponentChildren; class?: string }) {
  const id = useId();
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
    <section class="table-scroll" aria-labelledby={id} tabIndex={0}>
      <table class={props.class}>
        <caption id={id}>{props.caption}</caption>
        {props.children}
      </table>
    </section>
  );
}
