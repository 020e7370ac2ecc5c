/**
 * Forms with messages next to the fields. `useSubmit(action, validate)` runs the client-side
 * checks, then the action; an API error lands as field messages (from `invalid_request`) and/or
 * one message above the form (anything else, in words from errorText).
 *
 *   const f = useSubmit(() => post('/api/x', values), () => ({ ...required(values, ['title']) }));
 *   <Form onSubmit={f.submit} error={f.error}>
 *     <Field id="title" label="文件标题" error={f.fields.title}>
 *       <TextInput id="title" value={values.title} onValue={(v) => set({ ...values, title: v })} invalid={!!f.fields.title} />
 *     </Field>
 *     <Button type="submit" variant="primary" busy={f.busy}>提交</Button>
 *   </Form>
 */
import type { ComponentChildren, InputHTMLAttributes, PartialInputHTMLAttributes } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { errorText, fieldErrors } from '../api.js';
import { Notice } from './states.js';

export interface SubmitState<R> {
  busy: boolean;
  /** The error shown above the form (undefined when none, or when every problem is on a field). */
  error: unknown;
  /** Messages per field name. */
  fields: Record<string, string>;
  /** The last successful result. */
  result: R | undefined;
  submit: () => Promise<R | undefined>;
  clear: () => void;
}

export function useSubmit<R>(
  action: () => Promise<R>,
  validate?: () => Record<string, string>,
  /** Field messages for an API error (default: fieldErrors, the schema's `invalid_request`). */
  fieldsOf: (e: unknown) => Record<string, string> = fieldErrors,
): SubmitState<R> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [result, setResult] = useState<R | undefined>(undefined);
  const running = useRef(false);
  const submit = async (): Promise<R | undefined> => {
    if (running.current) return undefined;
    const local = validate?.() ?? {};
    if (Object.keys(local).length > 0) {
      setFields(local);
      setError(undefined);
      return undefined;
    }
    running.current = true;
    setBusy(true);
    setError(undefined);
    setFields({});
    try {
      const r = await action();
      setResult(r);
      return r;
    } catch (e) {
      const fe = fieldsOf(e);
      setFields(fe);
      setError(e);
      return undefined;
    } finally {
      running.current = false;
      setBusy(false);
    }
  };
  return {
    busy,
    error,
    fields,
    result,
    submit,
    clear: () => {
      setError(undefined);
      setFields({});
    },
  };
}

/** `required(values, ['title', 'count'])` → `{ count: '此项必填' }` for the empty ones. */
export function required(values: Record<string, unknown>, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = values[k];
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) out[k] = t('field.required');
  }
  return out;
}

export function Form(props: {
  onSubmit: () => unknown;
  error?: unknown;
  children?: ComponentChildren;
  class?: string;
  label?: string;
}) {
  return (
    <form
      class={props.class ? `form ${props.class}` : 'form'}
      noValidate
      aria-label={props.label}
      onSubmit={(e) => {
        e.preventDefault();
        void props.onSubmit();
      }}
    >
      {props.error !== undefined && props.error !== null && (
        <Notice tone="critical" role="alert">
          {errorText(props.error)}
        </Notice>
      )}
      {props.children}
    </form>
  );
}

/** A label, the control, and below it either the error (red) or a hint. */
export function Field(props: { id: string; label: string; error?: string | undefined; hint?: ComponentChildren; children?: ComponentChildren }) {
  return (
    <div class={`field${props.error ? ' has-error' : ''}`}>
      <label class="field-label" for={props.id}>
        {props.label}
      </label>
      {props.children}
      <FieldMessage id={props.id} error={props.error} hint={props.hint} />
    </div>
  );
}

/** Below a control: the error (red, announced) or else the hint, as `${id}-msg`; nothing without either. */
export function FieldMessage(props: { id: string; error?: string | undefined; hint?: ComponentChildren }) {
  return props.error ? (
    <p class="field-error" id={`${props.id}-msg`} role="alert">
      {props.error}
    </p>
  ) : props.hint ? (
    <p class="field-hint" id={`${props.id}-msg`}>
      {props.hint}
    </p>
  ) : null;
}

type InputBase = Omit<PartialInputHTMLAttributes<HTMLInputElement>, 'value' | 'onInput' | 'type' | 'role' | 'list'>;

export function TextInput({
  id,
  value,
  onValue,
  invalid,
  type = 'text',
  ...rest
}: InputBase & { id: string; value: string; onValue: (v: string) => void; invalid?: boolean; type?: 'text' | 'password' | 'search' | 'tel' | 'email' | 'date' | 'time' | 'datetime-local' }) {
  const attrs = {
    ...rest,
    id,
    name: id,
    type,
    class: `input${invalid ? ' is-invalid' : ''}`,
    value,
    'aria-invalid': invalid ? 'true' : undefined,
    'aria-describedby': `${id}-msg`,
    onInput: (e: Event) => onValue((e.currentTarget as HTMLInputElement).value),
  } as InputHTMLAttributes<HTMLInputElement>;
  return <input {...attrs} />;
}

export function NumberInput({
  id,
  value,
  onValue,
  invalid,
  ...rest
}: InputBase & { id: string; value: number | ''; onValue: (v: number | '') => void; invalid?: boolean }) {
  return (
    <input
      {...rest}
      id={id}
      name={id}
      type="number"
      inputMode="numeric"
      class={`input${invalid ? ' is-invalid' : ''}`}
      value={value}
      aria-invalid={invalid ? 'true' : undefined}
      aria-describedby={`${id}-msg`}
      onInput={(e) => {
        const raw = e.currentTarget.value;
        onValue(raw === '' ? '' : Number(raw));
      }}
    />
  );
}

/** A password field with a 显示/隐藏 toggle (typing on a phone is error-prone). */
export function PasswordInput(props: InputBase & { id: string; value: string; onValue: (v: string) => void; invalid?: boolean }) {
  const [shown, setShown] = useState(false);
  return (
    <div class="input-group">
      <TextInput {...props} type={shown ? 'text' : 'password'} />
      <button type="button" class="input-addon" aria-pressed={shown ? 'true' : 'false'} onClick={() => setShown(!shown)}>
        {shown ? t('login.hidePassword') : t('login.showPassword')}
      </button>
    </div>
  );
}

export function Select<V extends string>(props: {
  id: string;
  value: V | '';
  onValue: (v: V) => void;
  options: { value: V; label: string }[];
  placeholder?: string;
  invalid?: boolean;
  disabled?: boolean;
}) {
  return (
    <select
      id={props.id}
      name={props.id}
      class={`input select${props.invalid ? ' is-invalid' : ''}`}
      value={props.value}
      disabled={props.disabled}
      aria-invalid={props.invalid ? 'true' : undefined}
      aria-describedby={`${props.id}-msg`}
      onChange={(e) => props.onValue(e.currentTarget.value as V)}
    >
      {props.placeholder !== undefined && (
        <option value="" disabled>
          {props.placeholder}
        </option>
      )}
      {props.options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

export function TextArea(props: { id: string; value: string; onValue: (v: string) => void; rows?: number; invalid?: boolean; placeholder?: string; maxLength?: number }) {
  return (
    <textarea
      id={props.id}
      name={props.id}
      class={`input textarea${props.invalid ? ' is-invalid' : ''}`}
      rows={props.rows ?? 3}
      value={props.value}
      placeholder={props.placeholder}
      maxLength={props.maxLength}
      aria-invalid={props.invalid ? 'true' : undefined}
      aria-describedby={`${props.id}-msg`}
      onInput={(e) => props.onValue(e.currentTarget.value)}
    />
  );
}
