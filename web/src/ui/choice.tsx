/**
 * Choices that are quicker than a drop-down on a phone:
 *
 *   <Segmented label="显示" value={view} onValue={setView} options={[{ value: 'open', label: '待处理', count: 3 }, …]} />
 *   <CheckList id="items" legend="已完成的项目" items={['制动器', '门锁']} checked={done} onChange={setDone} error={…} />
 */
import { t } from '../i18n.js';
import { FieldMessage } from './form.js';

/** One of a few options, as a row of toggle buttons (a filter above a list). */
export function Segmented<V extends string>(props: {
  label: string;
  value: V;
  onValue: (v: V) => void;
  options: { value: V; label: string; count?: number }[];
}) {
  return (
    <div class="segmented" role="group" aria-label={props.label}>
      {props.options.map((o) => (
        <button
          key={o.value}
          type="button"
          class={`seg-btn${o.value === props.value ? ' is-active' : ''}`}
          aria-pressed={o.value === props.value ? 'true' : 'false'}
          onClick={() => props.onValue(o.value)}
        >
          {o.label}
          {o.count !== undefined && <span class="seg-count">{o.count}</span>}
        </button>
      ))}
    </div>
  );
}

/** Several items ticked off (large tap targets), with "select all" and the error below. */
export function CheckList(props: {
  id: string;
  legend: string;
  items: string[];
  checked: string[];
  onChange: (checked: string[]) => void;
  error?: string | undefined;
  hint?: string;
}) {
  const all = props.items.length > 0 && props.items.every((i) => props.checked.includes(i));
  const toggle = (item: string, on: boolean) =>
    props.onChange(on ? [...props.checked.filter((c) => c !== item), item] : props.checked.filter((c) => c !== item));
  return (
    <fieldset class={`field checklist${props.error ? ' has-error' : ''}`} id={props.id} aria-describedby={`${props.id}-msg`}>
      <legend class="field-label checklist-legend">
        <span>{props.legend}</span>
        <button
          type="button"
          class="checklist-all"
          onClick={() => props.onChange(all ? props.checked.filter((c) => !props.items.includes(c)) : [...new Set([...props.checked, ...props.items])])}
        >
          {all ? t('choice.none') : t('choice.all')}
        </button>
      </legend>
      <div class="checklist-items">
        {props.items.map((item, i) => {
          const on = props.checked.includes(item);
          return (
            <label key={item} class={`check${on ? ' is-checked' : ''}`} for={`${props.id}-${i}`}>
              <input id={`${props.id}-${i}`} type="checkbox" checked={on} onChange={(e) => toggle(item, e.currentTarget.checked)} />
              <span>{item}</span>
            </label>
          );
        })}
      </div>
      <FieldMessage id={props.id} error={props.error} hint={props.hint} />
    </fieldset>
  );
}
