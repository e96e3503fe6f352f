import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

/**
 * A modal <dialog> that describes an action and asks "Confirm" or "Cancel". Escape cancels,
 * focus stays inside while it is open and returns to the button that opened it afterwards.
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ComponentChildren;
  busy?: boolean;
  error?: string | undefined;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);

  const cancel = (e: Event) => {
    e.preventDefault();
    if (!props.busy) props.onCancel();
  };

  return (
    <dialog ref={ref} class="confirm" aria-labelledby={titleId} aria-describedby={bodyId} onCancel={cancel}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!props.busy) props.onConfirm();
        }}
      >
        <h2 id={titleId}>{props.title}</h2>
        <div id={bodyId} class="dialog-body">
          {props.children}
        </div>
        {props.error && (
          <p role="alert" class="error">
            {props.error}
          </p>
        )}
        <div class="dialog-actions">
          <button type="submit" disabled={props.busy}>
            {props.busy ? 'Working…' : 'Confirm'}
          </button>
          <button type="button" class="secondary" onClick={cancel}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
