/**
 * Confirmation dialogs and toast notifications, called from anywhere:
 *
 *   if (await confirmDialog({ title: '远程锁定印章？', message: '…', confirmLabel: '锁定', danger: true })) …
 *   const reason = await confirmDialog({ title: '驳回申请', input: { label: '驳回理由', required: true } });
 *   toast('已批准', 'ok');
 *
 * <DialogHost/> and <ToastHost/> are mounted once by the app shell.
 */
import { useEffect, useRef, useState, useLayoutEffect } from 'preact/hooks';
import { t } from '../i18n.js';
import { Button } from './controls.js';
import { Icon } from './icons.js';

// ---------------------------------------------------------------- dialogs

export interface ConfirmOptions {
  title: string;
  message?: string;
  confirmLabel?: string;
  cancelLabel?: string;
  /** Red confirm button: for what cannot be undone (reject, revoke, lock). */
  danger?: boolean;
  /** Ask for a line of text (a reason); the promise then resolves to the text, or null if cancelled. */
  input?: { label: string; required?: boolean; placeholder?: string; maxLength?: number };
}

interface OpenDialog extends ConfirmOptions {
  resolve: (v: string | boolean | null) => void;
}

let dialogQueue: OpenDialog[] = [];
const dialogListeners = new Set<() => void>();
const emitDialogs = () => dialogListeners.forEach((fn) => fn());

export function confirmDialog(opts: ConfirmOptions & { input: NonNullable<ConfirmOptions['input']> }): Promise<string | null>;
export function confirmDialog(opts: ConfirmOptions): Promise<boolean>;
export function confirmDialog(opts: ConfirmOptions): Promise<string | boolean | null> {
  return new Promise((resolve) => {
    dialogQueue = [...dialogQueue, { ...opts, resolve }];
    emitDialogs();
  });
}

function closeDialog(d: OpenDialog, value: string | boolean | null): void {
  dialogQueue = dialogQueue.filter((x) => x !== d);
  emitDialogs();
  d.resolve(value);
}

export function DialogHost() {
  const [, force] = useState(0);
  useEffect(() => {
    const fn = () => force((n) => n + 1);
    dialogListeners.add(fn);
    return () => dialogListeners.delete(fn);
  }, []);
  const d = dialogQueue[0];
  return d ? <Dialog key={dialogQueue.length} d={d} /> : null;
}

function Dialog({ d }: { d: OpenDialog }) {
  const [text, setText] = useState('');
  const [missing, setMissing] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const cancel = () => closeDialog(d, d.input ? null : false);
  const ok = () => {
    if (d.input) {
      if (d.input.required && text.trim() === '') {
        setMissing(true);
        return;
      }
      closeDialog(d, text.trim());
    } else closeDialog(d, true);
  };
  // a layout effect: the Escape/Tab handler is in place before the dialog is painted, so a key
  // pressed the moment it appears is never lost
  useLayoutEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const first = box.current?.querySelector<HTMLElement>('input, button.btn-primary, button.btn-danger');
    first?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') cancel();
      if (e.key === 'Tab' && box.current) {
        // keep the focus inside the dialog
        const items = [...box.current.querySelectorAll<HTMLElement>('input, button')];
        const i = items.indexOf(document.activeElement as HTMLElement);
        if (e.shiftKey && i <= 0) {
          e.preventDefault();
          items.at(-1)?.focus();
        } else if (!e.shiftKey && i === items.length - 1) {
          e.preventDefault();
          items[0]?.focus();
        }
      }
    };
    document.addEventListener('keydown', onKey);
    document.body.classList.add('has-dialog');
    return () => {
      document.removeEventListener('keydown', onKey);
      document.body.classList.remove('has-dialog');
      previous?.focus?.();
    };
    // one dialog instance per open dialog (keyed by the host)
  }, []);
  return (
    <div class="dialog-backdrop" onClick={(e) => e.target === e.currentTarget && cancel()}>
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="dialog-title" ref={box}>
        <h2 class="dialog-title" id="dialog-title">
          {d.danger && <Icon name="alert" size={22} class="dialog-danger-icon" />}
          {d.title}
        </h2>
        {d.message && <p class="dialog-message">{d.message}</p>}
        {d.input && (
          <form
            class="field"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              ok();
            }}
          >
            <label class="field-label" for="dialog-input">
              {d.input.label}
            </label>
            <input
              id="dialog-input"
              class={`input${missing ? ' is-invalid' : ''}`}
              value={text}
              placeholder={d.input.placeholder}
              maxLength={d.input.maxLength}
              aria-invalid={missing ? 'true' : undefined}
              onInput={(e) => {
                setText(e.currentTarget.value);
                setMissing(false);
              }}
            />
            {missing && (
              <p class="field-error" role="alert">
                {t('field.required')}
              </p>
            )}
          </form>
        )}
        <div class="dialog-actions">
          <Button onClick={cancel}>{d.cancelLabel ?? t('common.cancel')}</Button>
          <Button variant={d.danger ? 'danger' : 'primary'} onClick={ok}>
            {d.confirmLabel ?? t('common.confirm')}
          </Button>
        </div>
      </div>
    </div>
  );
}

// ---------------------------------------------------------------- toasts

export type ToastTone = 'ok' | 'info' | 'warn' | 'critical';
interface ToastItem {
  id: number;
  text: string;
  tone: ToastTone;
}

let toasts: ToastItem[] = [];
let nextToast = 1;
const toastListeners = new Set<() => void>();
const emitToasts = () => toastListeners.forEach((fn) => fn());

/** A short message at the bottom (phone) or top right (desktop); errors stay longer. */
export function toast(text: string, tone: ToastTone = 'ok', ms = tone === 'critical' || tone === 'warn' ? 8000 : 4000): void {
  const item = { id: nextToast++, text, tone };
  toasts = [...toasts.slice(-3), item];
  emitToasts();
  setTimeout(() => dismissToast(item.id), ms);
}

function dismissToast(id: number): void {
  toasts = toasts.filter((x) => x.id !== id);
  emitToasts();
}

export function ToastHost() {
  const [, force] = useState(0);
  useEffect(() => {
    const fn = () => force((n) => n + 1);
    toastListeners.add(fn);
    return () => toastListeners.delete(fn);
  }, []);
  return (
    <div class="toasts" aria-live="polite" aria-atomic="false">
      {toasts.map((x) => (
        <div key={x.id} class={`toast toast-${x.tone}`} role={x.tone === 'critical' ? 'alert' : 'status'}>
          <Icon name={x.tone === 'ok' ? 'check' : x.tone === 'info' ? 'info' : 'alert'} size={20} />
          <span class="toast-text">{x.text}</span>
          <button type="button" class="toast-close" aria-label={t('common.close')} onClick={() => dismissToast(x.id)}>
            <Icon name="close" size={16} />
          </button>
        </div>
      ))}
    </div>
  );
}
