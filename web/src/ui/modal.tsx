/**
 * A window over the page for details that need room (a stamp with its photo): a title, a close
 * button, any content, optional actions. A sheet sliding up from the bottom on a phone, like the
 * confirmation dialogs. Render it while it is open:
 *
 *   {open && <Modal title="盖章详情" onClose={() => setOpen(false)}>…</Modal>}
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../i18n.js';
import { Icon, type IconName } from './icons.js';
import { Button } from './controls.js';
import { Form, type SubmitState } from './form.js';

export function Modal(props: { title: ComponentChildren; onClose: () => void; children?: ComponentChildren; actions?: ComponentChildren; wide?: boolean; label?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const close = useRef(props.onClose);
  close.current = props.onClose;
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    box.current?.querySelector<HTMLElement>('.modal-close')?.focus();
    const onKey = (e: KeyboardEvent) => {
      // a confirmation dialog opened from inside the modal handles its own Escape
      if (e.key === 'Escape' && !document.querySelector('.dialog-backdrop:not(.modal-backdrop)')) close.current();
    };
    document.addEventListener('keydown', onKey);
    document.body.classList.add('has-modal');
    return () => {
      document.removeEventListener('keydown', onKey);
      document.body.classList.remove('has-modal');
      previous?.focus?.();
    };
  }, []);
  return (
    <div class="dialog-backdrop modal-backdrop" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <div class={`dialog modal${props.wide ? ' modal-wide' : ''}`} role="dialog" aria-modal="true" aria-labelledby="modal-title" aria-label={props.label} ref={box}>
        <div class="modal-head">
          <h2 class="dialog-title" id="modal-title">
            {props.title}
          </h2>
          <button type="button" class="modal-close" aria-label={t('common.close')} onClick={props.onClose}>
            <Icon name="close" size={20} />
          </button>
        </div>
        <div class="modal-body">{props.children}</div>
        {props.actions && <div class="dialog-actions modal-actions">{props.actions}</div>}
      </div>
    </div>
  );
}

/**
 * A form in a modal: Cancel and the submit button below, the error above the form unless every
 * problem is on a field, and an optional lead (a notice) above the form.
 *
 *   <FormDialog title="添加用户" form={f} onSubmit={submit} submitLabel="添加" icon="plus" onClose={…}>…fields…</FormDialog>
 */
export function FormDialog(props: {
  title: string;
  onClose: () => void;
  form: Pick<SubmitState<unknown>, 'busy' | 'error' | 'fields'>;
  onSubmit: () => unknown;
  submitLabel: string;
  icon: IconName;
  lead?: ComponentChildren;
  class?: string;
  children?: ComponentChildren;
}) {
  const f = props.form;
  return (
    <Modal
      title={props.title}
      onClose={props.onClose}
      actions={
        <>
          <Button onClick={props.onClose}>{t('common.cancel')}</Button>
          <Button variant="primary" icon={props.icon} busy={f.busy} onClick={props.onSubmit}>
            {props.submitLabel}
          </Button>
        </>
      }
    >
      {props.lead}
      <Form onSubmit={props.onSubmit} error={Object.keys(f.fields).length === 0 ? f.error : undefined} label={props.title} class={props.class}>
        {props.children}
      </Form>
    </Modal>
  );
}
