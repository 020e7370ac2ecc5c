/**
 * 维保计划 (maintainer): the maintenance calendar (TSG T5002: half-monthly, quarterly,
 * half-yearly, yearly visits per lift) — what is overdue and due, a month view of the planned
 * visits, each lift's next dates, the lifts in maintenance now, and the visit records. Starting a
 * visit puts the lift in maintenance mode (the page says so); closing it records the items done.
 */
import { useMemo, useState } from 'preact/hooks';
import { t, tList } from '../i18n.js';
import { formatDate } from '../format.js';
import { href } from '../router.js';
import {
  Ago,
  Badge,
  Button,
  Card,
  DataTable,
  EmptyState,
  Loaded,
  Notice,
  Page,
  Stat,
  Stats,
  Time,
  useApi,
  useNow,
  type Column,
} from '../ui/index.js';
import { throttle, useLiftFeed, useLiftNames, VISIT_TYPES, visitTypeName, type ScheduleEntry, type Visit, type VisitType } from './lift-common.js';
import { CloseVisitModal, defaultVisitType, dueText, ScheduleBadge, StartVisitModal } from './lift-visits.js';

type ModalState = { kind: 'start'; lift: string; type: VisitType } | { kind: 'close'; visit: Visit } | null;

const DAY = 86_400_000;

/** Calendar days "YYYY-MM-DD" from `first` to `last` inclusive (pure date arithmetic, no zone). */
function daysBetween(first: string, last: string): string[] {
  const toUtc = (s: string) => {
    const [y, m, d] = s.split('-').map(Number) as [number, number, number];
    return Date.UTC(y, m - 1, d);
  };
  const out: string[] = [];
  for (let x = toUtc(first); x <= toUtc(last); x += DAY) out.push(new Date(x).toISOString().slice(0, 10));
  return out;
}

/** Monday-first weekday of a calendar day (0 = Monday). */
const weekday = (day: string): number => (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;

function shiftDay(day: string, by: number): string {
  return new Date(new Date(`${day}T00:00:00Z`).getTime() + by * DAY).toISOString().slice(0, 10);
}

interface Planned {
  lift: string;
  type: VisitType;
  at: number;
  status: ScheduleEntry['status'];
}

function Calendar(props: { from: number; to: number; planned: Planned[]; name: (id: string) => string; today: string }) {
  const byDay = new Map<string, Planned[]>();
  for (const p of props.planned) {
    const day = formatDate(p.at);
    const list = byDay.get(day);
    if (list) list.push(p);
    else byDay.set(day, [p]);
  }
  // today, or the first day with a visit planned
  const [picked, setSelected] = useState<string | null>(null);
  const selected = picked ?? (byDay.has(props.today) ? props.today : ([...byDay.keys()].filter((d) => d >= props.today).sort()[0] ?? props.today));
  const first = formatDate(props.from);
  const last = formatDate(props.to - 1);
  const start = shiftDay(first, -weekday(first));
  const end = shiftDay(last, 6 - weekday(last));
  const days = daysBetween(start, end);
  const chosen = byDay.get(selected) ?? [];
  return (
    <>
      <div class="lift-cal" role="grid" aria-label={t('schedule.calendar')}>
        <div class="lift-cal-row lift-cal-weekdays" role="row">
          {[0, 1, 2, 3, 4, 5, 6].map((d) => (
            <span key={d} role="columnheader" class="lift-cal-wd">
              {t(`schedule.wd.${d}` as 'schedule.wd.0')}
            </span>
          ))}
        </div>
        {Array.from({ length: days.length / 7 }, (_, w) => (
          <div class="lift-cal-row" role="row" key={w}>
            {days.slice(w * 7, w * 7 + 7).map((day) => {
              const inRange = day >= first && day <= last;
              const items = byDay.get(day) ?? [];
              const counts = VISIT_TYPES.map((v) => [v, items.filter((i) => i.type === v).length] as const).filter(([, n]) => n > 0);
              const [, m, d] = day.split('-');
              return (
                <button
                  key={day}
                  type="button"
                  role="gridcell"
                  class={['lift-cal-day', inRange ? '' : 'is-out', day === props.today ? 'is-today' : '', day === selected ? 'is-selected' : '', items.length ? 'has-items' : '']
                    .filter(Boolean)
                    .join(' ')}
                  aria-selected={day === selected ? 'true' : 'false'}
                  aria-label={items.length ? t('schedule.dayWith', { day, n: items.length }) : day}
                  disabled={!inRange}
                  onClick={() => setSelected(day)}
                >
                  <span class="lift-cal-num">
                    {Number(d)}
                    {d === '01' && <span class="lift-cal-month">{tList('schedule.months')[Number(m) - 1]}</span>}
                  </span>
                  <span class="lift-cal-chips">
                    {counts.map(([v, n]) => (
                      <span key={v} class={`lift-cal-chip lift-visit-${v}`} title={`${visitTypeName(v)} × ${n}`}>
                        {n}
                      </span>
                    ))}
                  </span>
                </button>
              );
            })}
          </div>
        ))}
      </div>
      <div class="lift-cal-legend">
        {VISIT_TYPES.map((v) => (
          <span key={v} class="lift-cal-key">
            <span class={`lift-cal-chip lift-visit-${v}`} aria-hidden="true" />
            {visitTypeName(v)}
          </span>
        ))}
      </div>
      <div class="lift-cal-list" aria-live="polite">
        <h3 class="lift-subtitle">{t('schedule.onDay', { day: selected })}</h3>
        {chosen.length === 0 ? (
          <p class="muted">{t('schedule.nothingOnDay')}</p>
        ) : (
          <ul class="lift-plain-list">
            {chosen.map((p) => (
              <li key={`${p.lift}/${p.type}`}>
                <a href={href(`/maintainer/board/${encodeURIComponent(p.lift)}`)}>{props.name(p.lift)}</a>
                <span class={`lift-visit-tag lift-visit-${p.type}`}>{visitTypeName(p.type)}</span>
                {p.status !== 'ok' && <ScheduleBadge status={p.status} />}
              </li>
            ))}
          </ul>
        )}
      </div>
    </>
  );
}

interface LiftRow {
  lift: string;
  entries: ScheduleEntry[];
}

export function SchedulePage() {
  const cal = useApi<{ from: number; to: number; schedule: ScheduleEntry[] }>('/api/lifts/maintenance');
  const open = useApi<{ visits: Visit[] }>('/api/lifts/maintenance/visits?open=true');
  const recent = useApi<{ visits: Visit[] }>('/api/lifts/maintenance/visits?limit=20');
  const { names } = useLiftNames();
  const [modal, setModal] = useState<ModalState>(null);
  const now = useNow(60_000);
  const reload = useMemo(
    () =>
      throttle(() => {
        cal.reload();
        open.reload();
        recent.reload();
      }, 300),
    [cal.reload, open.reload, recent.reload],
  );
  useLiftFeed({ maintenance: () => reload() });
  const name = (id: string) => names.get(id) ?? id;
  const inVisit = new Map((open.data?.visits ?? []).map((v) => [v.lift, v]));
  const today = formatDate(now);

  const startButton = (lift: string, entries: ScheduleEntry[]) => {
    const v = inVisit.get(lift);
    if (v)
      return (
        <Button small variant="primary" icon="check" onClick={() => setModal({ kind: 'close', visit: v })}>
          {t('visit.close')}
        </Button>
      );
    return (
      <Button small icon="wrench" onClick={() => setModal({ kind: 'start', lift, type: defaultVisitType(entries) })}>
        {t('visit.start')}
      </Button>
    );
  };

  const typeCell = (type: VisitType) => (r: LiftRow) => {
    const e = r.entries.find((x) => x.type === type);
    if (!e) return <span class="muted">—</span>;
    return (
      <span class={`lift-due lift-due-${e.status}`}>
        <span>{formatDate(e.dueAt)}</span>
        {e.status !== 'ok' && <ScheduleBadge status={e.status} />}
      </span>
    );
  };
  const liftColumns: Column<LiftRow>[] = [
    {
      key: 'lift',
      label: t('stats.col.lift'),
      primary: true,
      render: (r) => (
        <span class="lift-cell-name">
          <a href={href(`/maintainer/board/${encodeURIComponent(r.lift)}`)}>{name(r.lift)}</a>
          {inVisit.has(r.lift) && <Badge tone="info">{t('liftMode.maintenance')}</Badge>}
        </span>
      ),
    },
    ...VISIT_TYPES.map((v) => ({ key: v, label: visitTypeName(v), render: typeCell(v) })),
    {
      key: 'last',
      label: t('schedule.col.last'),
      hideOnPhone: true,
      render: (r) => {
        const last = Math.max(...r.entries.map((e) => e.lastDoneAt ?? 0));
        return last ? formatDate(last) : <span class="muted">{t('schedule.never')}</span>;
      },
    },
    { key: 'action', label: t('schedule.col.action'), render: (r) => startButton(r.lift, r.entries) },
  ];

  const visitColumns: Column<Visit>[] = [
    { key: 'lift', label: t('stats.col.lift'), primary: true, render: (v) => name(v.lift) },
    { key: 'type', label: t('visit.type'), render: (v) => <span class={`lift-visit-tag lift-visit-${v.type}`}>{visitTypeName(v.type)}</span> },
    { key: 'openedAt', label: t('schedule.col.opened'), render: (v) => <Time ms={v.openedAt} seconds={false} /> },
    {
      key: 'closedAt',
      label: t('schedule.col.closed'),
      render: (v) => (v.closedAt === null ? <Badge tone="info">{t('liftMode.maintenance')}</Badge> : <Time ms={v.closedAt} seconds={false} />),
    },
    { key: 'technicians', label: t('visit.technicians'), render: (v) => v.technicians.join(t('common.listSep')) || <span class="muted">—</span> },
    {
      key: 'items',
      label: t('schedule.col.items'),
      render: (v) => (v.open ? <span class="muted">—</span> : <span title={v.items.join(t('common.listSep'))}>{t('schedule.itemsCount', { n: v.items.length })}</span>),
    },
    {
      key: 'result',
      label: t('visit.result'),
      render: (v) =>
        v.result === null ? <span class="muted">—</span> : <Badge tone={v.result === 'ok' ? 'ok' : 'warn'}>{t(`visitResult.${v.result}` as 'visitResult.ok')}</Badge>,
    },
  ];

  return (
    <Page title={t('nav.maintainer.schedule')} subtitle={t('schedule.subtitle')}>
      <Loaded state={cal}>
        {(c) => {
          const lifts = new Map<string, ScheduleEntry[]>();
          for (const e of c.schedule) lifts.set(e.lift, [...(lifts.get(e.lift) ?? []), e]);
          const rows: LiftRow[] = [...lifts.entries()]
            .map(([lift, entries]) => ({ lift, entries }))
            .sort((a, b) => name(a.lift).localeCompare(name(b.lift), 'zh-CN', { numeric: true }));
          const pending = rows
            .map((r) => ({ ...r, due: r.entries.filter((e) => e.status !== 'ok').sort((a, b) => a.dueAt - b.dueAt) }))
            .filter((r) => r.due.length > 0)
            .sort((a, b) => a.due[0]!.dueAt - b.due[0]!.dueAt);
          const overdue = c.schedule.filter((e) => e.status === 'overdue').length;
          const due = c.schedule.filter((e) => e.status === 'due').length;
          const planned: Planned[] = c.schedule.flatMap((e) => (e.planned ?? []).filter((at) => at >= c.from).map((at) => ({ lift: e.lift, type: e.type, at, status: at === e.dueAt ? e.status : 'ok' })));
          const openVisits = open.data?.visits ?? [];
          return (
            <>
              <Stats>
                <Stat icon="alert" tone={overdue ? 'critical' : 'ok'} label={t('schedule.stat.overdue')} value={overdue} />
                <Stat icon="clock" tone={due ? 'warn' : 'ok'} label={t('schedule.stat.due')} value={due} />
                <Stat icon="wrench" tone={openVisits.length ? 'warn' : undefined} label={t('schedule.stat.open')} value={openVisits.length} />
                <Stat icon="calendar" label={t('schedule.stat.planned')} value={planned.length} />
              </Stats>
              {openVisits.length > 0 && (
                <Card title={t('schedule.openTitle', { n: openVisits.length })} icon="wrench" tone="info">
                  <Notice tone="info">{t('visit.modeNow')}</Notice>
                  <ul class="lift-rows">
                    {openVisits.map((v) => (
                      <li key={v.visitId} class="lift-row">
                        <div class="lift-row-main">
                          <a class="lift-row-title" href={href(`/maintainer/board/${encodeURIComponent(v.lift)}`)}>
                            {name(v.lift)}
                          </a>
                          <span class={`lift-visit-tag lift-visit-${v.type}`}>{visitTypeName(v.type)}</span>
                          <span class="muted">
                            {t('visit.inProgressSince')} <Ago ms={v.openedAt} />
                            {v.technicians.length > 0 && <> · {v.technicians.join(t('common.listSep'))}</>}
                          </span>
                        </div>
                        <Button small variant="primary" icon="check" onClick={() => setModal({ kind: 'close', visit: v })}>
                          {t('visit.close')}
                        </Button>
                      </li>
                    ))}
                  </ul>
                </Card>
              )}
              <Card title={t('schedule.todo')} icon="alert" tone={overdue ? 'critical' : due ? 'warn' : 'default'}>
                {pending.length === 0 ? (
                  <EmptyState icon="check" title={t('schedule.nothingDue')} hint={t('schedule.nothingDueHint')} />
                ) : (
                  <ul class="lift-rows" aria-label={t('schedule.todo')}>
                    {pending.map((r) => (
                      <li key={r.lift} class={`lift-row lift-row-is-${r.due[0]!.status}`}>
                        <div class="lift-row-main">
                          <a class="lift-row-title" href={href(`/maintainer/board/${encodeURIComponent(r.lift)}`)}>
                            {name(r.lift)}
                          </a>
                          <span class="lift-row-dues">
                            {r.due.map((e) => (
                              <span key={e.type} class="lift-row-due">
                                <span class={`lift-visit-tag lift-visit-${e.type}`}>{visitTypeName(e.type)}</span>
                                <span class={e.status === 'overdue' ? 'lift-bad' : 'lift-warn'}>{dueText(e.dueAt, now)}</span>
                                <span class="muted">{t('schedule.dueDate', { date: formatDate(e.dueAt) })}</span>
                              </span>
                            ))}
                          </span>
                        </div>
                        {startButton(r.lift, r.entries)}
                      </li>
                    ))}
                  </ul>
                )}
              </Card>
              <Card title={t('schedule.calendar')} icon="calendar">
                <Calendar from={c.from} to={c.to} planned={planned} name={name} today={today} />
              </Card>
              <Card flush title={t('schedule.perLift')} icon="lift">
                <DataTable
                  label={t('schedule.perLift')}
                  columns={liftColumns}
                  rows={rows}
                  rowKey={(r) => r.lift}
                  rowTone={(r) => (r.entries.some((e) => e.status === 'overdue') ? 'critical' : r.entries.some((e) => e.status === 'due') ? 'warn' : undefined)}
                  empty={{ title: t('board.empty') }}
                />
              </Card>
            </>
          );
        }}
      </Loaded>
      <Card flush title={t('schedule.records')} icon="fileCheck">
        <Loaded state={recent}>
          {(r) => <DataTable label={t('schedule.records')} columns={visitColumns} rows={r.visits} rowKey={(v) => v.visitId} empty={{ title: t('schedule.noRecords') }} />}
        </Loaded>
      </Card>
      <p class="muted lift-legend">{t('schedule.rule')}</p>
      {modal?.kind === 'start' && (
        <StartVisitModal
          lift={{ lift: modal.lift, name: names.get(modal.lift) ?? null }}
          type={modal.type}
          onClose={() => setModal(null)}
          onDone={() => {
            setModal(null);
            reload();
          }}
        />
      )}
      {modal?.kind === 'close' && (
        <CloseVisitModal
          visit={modal.visit}
          liftLabel={name(modal.visit.lift)}
          onClose={() => setModal(null)}
          onDone={() => {
            setModal(null);
            reload();
          }}
        />
      )}
    </Page>
  );
}

