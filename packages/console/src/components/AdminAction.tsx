import type { ComponentChildren } from 'preact';
import { useId, useState } from 'preact/hooks';
import { ApiError } from '../api.ts';
import { latestAuditEntry } from '../audit.ts';
import { isAdmin } from '../session.ts';
import { useSession } from '../session-context.ts';
import { type ActionOutcome, ActionResult } from './ActionResult.tsx';
import { ConfirmDialog } from './ConfirmDialog.tsx';

export interface AdminActionProps {
  /** The button's visible name ("Promote", "Roll back", ...). */
  label: string;
  /** The dialog's heading and what the action will do. */
  title: string;
  description: ComponentChildren;
  /** The gateway's audit action (`<app>.<op>` of its route), re-read afterwards. */
  auditAction: string;
  perform: (reason: string) => Promise<unknown>;
  /** When set, the dialog asks for a reason (the registry requires one), prefilled with this. */
  defaultReason?: string;
  /** Called after the audit entry was read (e.g. to reload what the action changed). */
  onDone?: (result: unknown) => void;
  /** Where the audit entry is shown; without it, under the button (which a reload may remove). */
  onOutcome?: (outcome: ActionOutcome) => void;
  disabled?: boolean;
  class?: string;
}

const messageOf = (err: unknown) => (err instanceof ApiError ? err.message : String(err));

/**
 * A button for an admin-only action: not rendered at all without the admin role. It opens a
 * confirmation dialog, runs the action, then shows the audit entry the gateway wrote for it.
 */
export function AdminAction(props: AdminActionProps) {
  const session = useSession();
  const reasonId = useId();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [reason, setReason] = useState(props.defaultReason ?? '');
  const [outcome, setOutcome] = useState<ActionOutcome | undefined>();
  if (!isAdmin(session)) return null;

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const result = await props.perform(reason.trim());
      setOpen(false);
      const report = props.onOutcome ?? setOutcome;
      try {
        const entry = await latestAuditEntry({ action: props.auditAction, subject: session?.subject });
        report(entry ? { entry } : { note: `Done. The audit log has no ${props.auditAction} entry yet.` });
      } catch (err) {
        report({ note: `Done. The audit entry could not be read: ${messageOf(err)}` });
      }
      props.onDone?.(result);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class={`admin-action ${props.class ?? ''}`}>
      <button
        type="button"
        disabled={props.disabled}
        onClick={() => {
          setError(undefined);
          setOpen(true);
        }}
      >
        {props.label}
      </button>
      <ConfirmDialog
        open={open}
        title={props.title}
        busy={busy}
        error={error}
        onConfirm={() => void confirm()}
        onCancel={() => setOpen(false)}
      >
        {props.description}
        {props.defaultReason !== undefined && (
          <p class="field">
            <label for={reasonId}>Reason</label>
            <textarea
              id={reasonId}
              required
              maxLength={1000}
              rows={2}
              value={reason}
              onInput={(e) => setReason(e.currentTarget.value)}
            />
          </p>
        )}
      </ConfirmDialog>
      {!props.onOutcome && <ActionResult outcome={outcome} />}
    </div>
  );
}
