/**
 * A table that becomes a list of cards on a phone. Each column has a label (the header on a
 * desktop, the label in front of the value on a phone); the `primary` column becomes the card's
 * title. Rows may be clickable (`onRowClick`), reachable by keyboard too.
 */
import type { ComponentChildren } from 'preact';
import { EmptyState } from './states.js';

export interface Column<T> {
  /** Stable id of the column (also the default cell: `row[key]`). */
  key: string;
  label: string;
  render?: (row: T) => ComponentChildren;
  /** The card title on a phone. One column should be primary. */
  primary?: boolean;
  align?: 'left' | 'right' | 'center';
  /** Monospace (ids, ports). */
  mono?: boolean;
  /** Leave out on a phone (details that only fit a wide screen). */
  hideOnPhone?: boolean;
  width?: string;
}

export function DataTable<T>(props: {
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  empty?: { title: string; hint?: ComponentChildren };
  onRowClick?: (row: T) => void;
  /** Highlight a row (e.g. the signed-in user, an active alarm). */
  rowTone?: (row: T) => 'warn' | 'critical' | 'offline' | 'self' | undefined;
  caption?: string;
  label?: string;
}) {
  const { columns, rows } = props;
  if (rows.length === 0 && props.empty) return <EmptyState title={props.empty.title} hint={props.empty.hint} />;
  const cell = (c: Column<T>, r: T): ComponentChildren => {
    if (c.render) return c.render(r);
    const v = (r as Record<string, unknown>)[c.key];
    return v === undefined || v === null || v === '' ? <span class="muted">—</span> : String(v);
  };
  return (
    <div class="dt-wrap">
      <table class={`dt${props.onRowClick ? ' dt-clickable' : ''}`} aria-label={props.label}>
        {props.caption && <caption>{props.caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" style={c.width ? { width: c.width } : undefined} class={c.align ? `al-${c.align}` : undefined}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const tone = props.rowTone?.(r);
            const click = props.onRowClick;
            return (
              <tr
                key={props.rowKey(r)}
                class={tone ? `row-${tone}` : undefined}
                tabIndex={click ? 0 : undefined}
                onClick={click ? () => click(r) : undefined}
                onKeyDown={
                  click
                    ? (e) => {
                        if (e.key === 'Enter' || e.key === ' ') {
                          e.preventDefault();
                          click(r);
                        }
                      }
                    : undefined
                }
              >
                {columns.map((c) => (
                  <td
                    key={c.key}
                    data-label={c.label}
                    class={[c.primary ? 'dt-primary' : '', c.mono ? 'mono' : '', c.hideOnPhone ? 'dt-wide' : '', c.align ? `al-${c.align}` : '']
                      .filter(Boolean)
                      .join(' ') || undefined}
                  >
                    {cell(c, r)}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
