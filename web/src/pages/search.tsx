/**
 * What the searchable lists share (the stamp log and the anomalies of a site, the hub's records
 * and alarms): the search kept in the address, the date range sent to the API, the search card,
 * the counts per kind that filter the list when tapped, and the glossary of the kinds.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { fromZonedInput } from '../format.js';
import { Button, CollapsibleCard, Form, Icon } from '../ui/index.js';
import { wide } from './seal-common.js';

const DAY = 86_400_000;

/** The search's fields from the address (#/inspector/logs?seal=…); a missing one is ''. */
export function filtersFrom<K extends string>(keys: readonly K[], query: URLSearchParams): Record<K, string> {
  const out = {} as Record<K, string>;
  for (const k of keys) out[k] = query.get(k) ?? '';
  return out;
}

/** The address of a search: `base?field=…&page=n`, without the empty fields and page 1. */
export function filtersPath<K extends string>(base: string, keys: readonly K[], f: Record<K, string>, page = 1): string {
  const q = new URLSearchParams();
  for (const k of keys) if (f[k]) q.set(k, f[k]);
  if (page > 1) q.set('page', String(page));
  const s = q.toString();
  return s ? `${base}?${s}` : base;
}

/**
 * The dates as the person typed them (in the site's zone) → the API's `from` and `to` instants;
 * `to` is the start of the day after (`end` = DAY) or the day's last millisecond (DAY - 1).
 */
export function setDateRange(q: URLSearchParams, f: { from: string; to: string }, end = DAY): void {
  const from = f.from ? fromZonedInput(f.from) : NaN;
  const to = f.to ? fromZonedInput(f.to) : NaN;
  if (!Number.isNaN(from)) q.set('from', String(from));
  if (!Number.isNaN(to)) q.set('to', String(to + end));
}

/** 截止日期早于起始日期 on `to` when the range ends before it begins. */
export function dateRangeErrors(f: { from: string; to: string }): Record<string, string> {
  return f.from && f.to && fromZonedInput(f.to) < fromZonedInput(f.from) ? { to: t('export.toBeforeFrom') } : {};
}

/** The search being typed: the one in the address until changed, filled again when the address changes (a link, the back button). */
export function useDraft<F extends Record<string, string>>(applied: F, key: string) {
  const [draft, setDraft] = useState<F>(applied);
  useEffect(() => setDraft(applied), [key]);
  const set = (k: keyof F) => (v: string) => setDraft({ ...draft, [k]: v });
  return { draft, setDraft, set };
}

/** The search card: the fields in a grid, 搜索 and (with a search in force) 清除; open on a wide screen or while searching. */
export function SearchCard(props: { active: number; onSubmit: () => unknown; onClear: () => void; children: ComponentChildren }) {
  return (
    <CollapsibleCard
      title={
        <>
          <Icon name="search" size={18} />
          {t('logs.search')}
        </>
      }
      meta={props.active > 0 ? t('logs.activeFilters', { n: props.active }) : undefined}
      defaultOpen={wide() || props.active > 0}
    >
      <Form onSubmit={props.onSubmit} label={t('logs.search')} class="filters">
        <div class="filter-grid">{props.children}</div>
        <div class="row-wrap form-actions">
          <Button type="submit" variant="primary" icon="search">
            {t('logs.searchButton')}
          </Button>
          {props.active > 0 && (
            <Button variant="ghost" onClick={props.onClear}>
              {t('logs.clear')}
            </Button>
          )}
        </div>
      </Form>
    </CollapsibleCard>
  );
}

/** How many of each kind, as buttons: tapping one lists only that kind, tapping it again all. */
export function KindCounts<C extends string>(props: {
  counts: { kind: C; n: number }[];
  selected: string;
  label: (kind: C) => string;
  help: (kind: C) => string;
  /** The explanation on hover too. */
  titled?: boolean;
  onPick: (kind: C | '') => void;
}) {
  return (
    <div class="code-counts">
      {props.counts.map(({ kind, n }) => {
        const selected = props.selected === kind;
        return (
          <button
            type="button"
            key={kind}
            class={`code-count${selected ? ' is-selected' : ''}`}
            aria-pressed={selected ? 'true' : 'false'}
            title={props.titled ? props.help(kind) : undefined}
            onClick={() => props.onPick(selected ? '' : kind)}
          >
            <span class="code-count-n">{n}</span>
            <span class="code-count-text">
              <span class="code-count-label">{props.label(kind)}</span>
              <span class="code-count-help">{props.help(kind)}</span>
            </span>
          </button>
        );
      })}
    </div>
  );
}

/** Every kind in words, with its code and what it means (closed at first). */
export function Glossary<C extends string>(props: { title: string; kinds: readonly C[]; label: (kind: C) => string; help: (kind: C) => string }) {
  return (
    <CollapsibleCard title={props.title} meta={t('anomalies.glossaryMeta', { n: props.kinds.length })}>
      <dl class="glossary">
        {props.kinds.map((k) => (
          <div key={k} class="glossary-row">
            <dt>
              {props.label(k)} <span class="muted mono">{k}</span>
            </dt>
            <dd>{props.help(k)}</dd>
          </div>
        ))}
      </dl>
    </CollapsibleCard>
  );
}
