/**
 * 统计 (maintainer): one month, all lifts or one — faults by code, entrapments, MTBF, mean
 * response / arrival / repair times against the targets, per lift as bar charts (plain SVG); the
 * repeat faults and the lifts with most faults in the last 30 days.
 */
import { useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { formatDate, formatDuration } from '../format.js';
import { navigate } from '../router.js';
import {
  Badge,
  BarChart,
  Button,
  Card,
  DataTable,
  Loaded,
  Page,
  Select,
  Stat,
  Stats,
  Time,
  useApi,
  type Bar,
  type ChartTone,
  type Column,
} from '../ui/index.js';
import { faultName, liftName, minutes, timerTone, useLiftNames, useTargets, type Fault, type Severity, type Targets } from './lift-common.js';

interface MonthlyStats {
  lift: string;
  name: string | null;
  month: string;
  faults: number;
  byCode: Record<string, number>;
  entrapments: number;
  falseAlarms: number;
  linkFaults: number;
  monitoredHours: number;
  mtbfHours: number | null;
  meanResponseSec: number | null;
  meanArrivalSec: number | null;
  meanRepairSec: number | null;
}

interface RepeatFault {
  lift: string;
  code: string;
  reasons: ('same_code_short' | 'same_code_long' | 'repeat_entrapment')[];
  shortCount: number;
  longCount: number;
  lastAt: number;
  faultIds: string[];
}

interface WorstLift {
  lift: string;
  name: string | null;
  faults: number;
  entrapments: number;
  byCode: Record<string, number>;
}

interface CatalogEntry {
  code: string;
  severity: Severity;
  category: 'lift' | 'link';
}

/** "2025-11" of now, in the site's time zone. */
const thisMonth = (): string => formatDate(Date.now()).slice(0, 7);

function shiftMonth(month: string, by: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + by, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

const monthLabel = (month: string): string => {
  const [y, m] = month.split('-');
  return t('stats.monthLabel', { y: y!, m: Number(m) });
};

const dur = (sec: number | null): string => (sec === null ? '—' : formatDuration(sec * 1000));

/** MTBF: "36 小时" / "12.5 天". */
export function mtbfText(hours: number | null): string {
  if (hours === null) return t('stats.noFailures');
  if (hours >= 48) return t('stats.days', { n: Math.round((hours / 24) * 10) / 10 });
  return t('stats.hours', { n: Math.round(hours * 10) / 10 });
}

function mean(xs: (number | null)[]): number | null {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

const timerChartTone = (sec: number, targetSec: number): ChartTone => {
  const tone = timerTone(sec * 1000, targetSec);
  return tone === 'late' ? 'critical' : tone === 'warn' ? 'warn' : 'ok';
};


const TOP = 12;

/** A mean time of the month against its target, coloured like the timers of a case. */
function MeanTime(props: { label: string; sec: number | null; targetSec?: number }) {
  const { sec, targetSec } = props;
  const tone = sec === null ? 'none' : targetSec === undefined ? 'plain' : timerTone(sec * 1000, targetSec);
  return (
    <div class={`lift-timer lift-timer-${tone}`}>
      <span class="lift-timer-label">{props.label}</span>
      <span class="lift-timer-value">{sec === null ? t('stats.noTimes') : formatDuration(sec * 1000)}</span>
      <span class="lift-timer-target">
        {targetSec === undefined
          ? t('liftTimer.repairHint')
          : `${t('liftTimer.target', { min: minutes(targetSec) })}${sec === null ? '' : ` · ${t(tone === 'late' ? 'liftTimer.missed' : 'liftTimer.met')}`}`}
      </span>
    </div>
  );
}

function PerLiftChart(props: {
  title: string;
  rows: MonthlyStats[];
  value: (s: MonthlyStats) => number | null;
  format: (v: number) => string;
  tone: (v: number, s: MonthlyStats) => ChartTone;
  target?: { value: number; label: string };
  ascending?: boolean;
  note?: string;
}) {
  const have = props.rows.filter((s) => props.value(s) !== null);
  const sorted = [...have].sort((a, b) => (props.ascending ? props.value(a)! - props.value(b)! : props.value(b)! - props.value(a)!));
  const bars: Bar[] = sorted.slice(0, TOP).map((s) => ({ key: s.lift, label: liftName(s), value: props.value(s)!, tone: props.tone(props.value(s)!, s) }));
  return (
    <Card title={props.title} icon="chart">
      {bars.length === 0 ? (
        <p class="muted">{props.note ?? t('stats.noData')}</p>
      ) : (
        <>
          <BarChart label={props.title} bars={bars} format={props.format} target={props.target} />
          {sorted.length > TOP && <p class="muted lift-chart-note">{t('stats.topN', { n: TOP, total: sorted.length })}</p>}
        </>
      )}
    </Card>
  );
}

export function StatsPage() {
  const [month, setMonth] = useState(thisMonth());
  const [lift, setLift] = useState('all');
  const current = thisMonth();
  const targets = useTargets();
  const { names, lifts } = useLiftNames();
  const stats = useApi<{ month: string; lifts: MonthlyStats[] }>(`/api/lifts/stats?month=${month}`);
  const next = shiftMonth(month, 1);
  const liftQ = lift === 'all' ? '' : `&lift=${encodeURIComponent(lift)}`;
  const faults = useApi<{ faults: Fault[]; total: number }>(`/api/lifts/faults?from=${month}-01&to=${next}-01&limit=1000${liftQ}`);
  const catalog = useApi<{ faults: CatalogEntry[] }>('/api/lifts/catalog');
  const repeats = useApi<{ repeats: RepeatFault[] }>(`/api/lifts/repeat-faults${lift === 'all' ? '' : `?lift=${encodeURIComponent(lift)}`}`);
  const worst = useApi<{ from: number; to: number; lifts: WorstLift[] }>('/api/lifts/worst?n=5&days=30');
  const info = new Map((catalog.data?.faults ?? []).map((c) => [c.code, c]));
  const name = (id: string) => names.get(id) ?? id;

  const repeatColumns: Column<RepeatFault>[] = [
    { key: 'lift', label: t('stats.col.lift'), primary: true, render: (r) => name(r.lift) },
    { key: 'code', label: t('stats.col.fault'), render: (r) => faultName(r.code) },
    {
      key: 'reasons',
      label: t('stats.col.reason'),
      render: (r) => (
        <span class="lift-reasons">
          {r.reasons.map((x) => (
            <Badge key={x} tone={x === 'repeat_entrapment' ? 'critical' : 'warn'}>
              {t(`repeat.${x}`)}
            </Badge>
          ))}
        </span>
      ),
    },
    { key: 'counts', label: t('stats.col.counts'), render: (r) => t('stats.counts', { short: r.shortCount, long: r.longCount }) },
    { key: 'lastAt', label: t('stats.col.lastAt'), render: (r) => <Time ms={r.lastAt} /> },
  ];

  const liftColumns: Column<MonthlyStats>[] = [
    { key: 'name', label: t('stats.col.lift'), primary: true, render: (s) => liftName(s) },
    { key: 'faults', label: t('stats.col.faults'), align: 'right' },
    { key: 'entrapments', label: t('stats.col.entrapments'), align: 'right', render: (s) => (s.entrapments ? <strong class="lift-bad">{s.entrapments}</strong> : '0') },
    { key: 'falseAlarms', label: t('stats.col.falseAlarms'), align: 'right', hideOnPhone: true },
    { key: 'linkFaults', label: t('stats.col.linkFaults'), align: 'right', hideOnPhone: true },
    { key: 'mtbf', label: t('stats.col.mtbf'), align: 'right', render: (s) => mtbfText(s.mtbfHours) },
    { key: 'resp', label: t('stats.col.response'), align: 'right', render: (s) => dur(s.meanResponseSec) },
    { key: 'arr', label: t('stats.col.arrival'), align: 'right', render: (s) => dur(s.meanArrivalSec) },
    { key: 'rep', label: t('stats.col.repair'), align: 'right', render: (s) => dur(s.meanRepairSec) },
  ];

  return (
    <Page
      title={t('nav.maintainer.stats')}
      subtitle={t('stats.subtitle')}
      actions={
        <div class="lift-month" role="group" aria-label={t('stats.month')}>
          <Button small icon="chevronLeft" aria-label={t('stats.prevMonth')} onClick={() => setMonth(shiftMonth(month, -1))} />
          <span class="lift-month-label" aria-live="polite">
            {monthLabel(month)}
          </span>
          <Button small icon="chevronRight" aria-label={t('stats.nextMonth')} disabled={month >= current} onClick={() => setMonth(next)} />
        </div>
      }
    >
      <div class="lift-toolbar">
        <div class="lift-filter">
          <label class="sr-only" for="stats-lift">
            {t('faults.lift')}
          </label>
          <Select id="stats-lift" value={lift} onValue={setLift} options={[{ value: 'all', label: t('faults.allLifts') }, ...(lifts ?? []).map((l) => ({ value: l.lift, label: liftName(l) }))]} />
        </div>
      </div>
      <Loaded state={stats}>
        {(d) => {
          const rows = lift === 'all' ? d.lifts : d.lifts.filter((s) => s.lift === lift);
          const sum = (f: (s: MonthlyStats) => number) => rows.reduce((a, s) => a + f(s), 0);
          const total = sum((s) => s.faults);
          const hours = sum((s) => s.monitoredHours);
          const real = (faults.data?.faults ?? []).filter((f) => f.status !== 'false_alarm');
          const resp = mean(real.map((f) => f.responseSec));
          const arr = mean(real.map((f) => f.arrivalSec));
          const rep = mean(real.map((f) => f.repairSec));
          const byCode = new Map<string, number>();
          for (const s of rows) for (const [c, n] of Object.entries(s.byCode)) byCode.set(c, (byCode.get(c) ?? 0) + n);
          const codeBars: Bar[] = [...byCode.entries()]
            .sort((a, b) => b[1] - a[1])
            .map(([code, n]) => {
              const c = info.get(code);
              const tone: ChartTone = c?.category === 'link' ? 'muted' : c?.severity === 'critical' ? 'critical' : c?.severity === 'major' ? 'warn' : 'primary';
              return { key: code, label: faultName(code), value: n, tone };
            });
          // one lift, or a month without faults: the per-lift charts would say nothing
          const single = lift !== 'all' || byCode.size === 0;
          return (
            <>
              <Stats>
                <Stat icon="wrench" label={t('stats.stat.faults')} value={total} tone={total ? 'warn' : 'ok'} />
                <Stat icon="alert" label={t('stats.stat.entrapments')} value={sum((s) => s.entrapments)} tone={sum((s) => s.entrapments) ? 'critical' : 'ok'} />
                <Stat icon="info" label={t('stats.stat.falseAlarms')} value={sum((s) => s.falseAlarms)} />
                <Stat icon="clock" label={t('stats.stat.mtbf')} value={mtbfText(total ? hours / total : null)} />
              </Stats>
              <div class="lift-timers lift-kpis">
                <MeanTime label={t('stats.stat.response')} sec={resp} targetSec={targets.responseSec} />
                <MeanTime label={t('stats.stat.arrival')} sec={arr} targetSec={targets.arrivalSec} />
                <MeanTime label={t('stats.stat.repair')} sec={rep} />
              </div>
              <p class="muted lift-stats-note">{t('stats.note', { link: sum((s) => s.linkFaults) })}</p>
              <div class="grid-2 lift-charts">
                <Card title={t('stats.byCode')} icon="chart">
                  {codeBars.length ? <BarChart label={t('stats.byCode')} bars={codeBars} format={(n) => t('stats.times', { n })} /> : <p class="muted">{t('stats.noFaults')}</p>}
                </Card>
                <Card title={t('stats.worst')} icon="alert">
                  <Loaded state={worst}>
                    {(w) =>
                      w.lifts.length === 0 ? (
                        <p class="muted">{t('stats.noFaults30')}</p>
                      ) : (
                        <BarChart
                          label={t('stats.worst')}
                          bars={w.lifts.map((l) => ({
                            key: l.lift,
                            label: liftName(l),
                            value: l.faults,
                            tone: l.entrapments ? 'critical' : 'warn',
                            valueLabel: l.entrapments ? t('stats.timesWithTrapped', { n: l.faults, e: l.entrapments }) : t('stats.times', { n: l.faults }),
                          }))}
                        />
                      )
                    }
                  </Loaded>
                </Card>
                {!single && (
                  <PerLiftChart
                    title={t('stats.perLift')}
                    rows={rows.filter((s) => s.faults > 0)}
                    value={(s) => s.faults}
                    format={(n) => t('stats.times', { n })}
                    tone={(_, s) => (s.entrapments ? 'critical' : 'primary')}
                    note={t('stats.noFaults')}
                  />
                )}
                {!single && (
                  <PerLiftChart
                    title={t('stats.responsePerLift')}
                    rows={rows}
                    value={(s) => s.meanResponseSec}
                    format={(v) => formatDuration(v * 1000)}
                    tone={(v) => timerChartTone(v, targets.responseSec)}
                    target={targetLine(targets, 'response')}
                  />
                )}
                {!single && (
                  <PerLiftChart
                    title={t('stats.arrivalPerLift')}
                    rows={rows}
                    value={(s) => s.meanArrivalSec}
                    format={(v) => formatDuration(v * 1000)}
                    tone={(v) => timerChartTone(v, targets.arrivalSec)}
                    target={targetLine(targets, 'arrival')}
                  />
                )}
                {!single && (
                  <PerLiftChart title={t('stats.repairPerLift')} rows={rows} value={(s) => s.meanRepairSec} format={(v) => formatDuration(v * 1000)} tone={() => 'primary'} />
                )}
                {!single && (
                  <PerLiftChart
                    title={t('stats.mtbfPerLift')}
                    rows={rows}
                    value={(s) => s.mtbfHours}
                    format={(v) => mtbfText(v)}
                    tone={() => 'primary'}
                    ascending
                    note={t('stats.noFaults')}
                  />
                )}
              </div>
              <Card flush title={t('stats.perLiftTable', { month: monthLabel(month) })} icon="lift">
                <DataTable
                  label={t('stats.perLiftTable', { month: monthLabel(month) })}
                  columns={liftColumns}
                  rows={[...rows].sort((a, b) => b.faults - a.faults || b.entrapments - a.entrapments || liftName(a).localeCompare(liftName(b), 'zh-CN', { numeric: true }))}
                  rowKey={(s) => s.lift}
                  onRowClick={(s) => navigate(`/maintainer/board/${encodeURIComponent(s.lift)}`)}
                  rowTone={(s) => (s.entrapments ? 'critical' : undefined)}
                  empty={{ title: t('board.empty') }}
                />
              </Card>
            </>
          );
        }}
      </Loaded>
      <Card flush title={t('stats.repeats')} icon="refresh">
        <Loaded state={repeats}>
          {(r) => (
            <DataTable
              label={t('stats.repeats')}
              columns={repeatColumns}
              rows={r.repeats}
              rowKey={(x) => `${x.lift}/${x.code}`}
              rowTone={(x) => (x.reasons.includes('repeat_entrapment') ? 'critical' : 'warn')}
              onRowClick={(x) => navigate(`/maintainer/faults?lift=${encodeURIComponent(x.lift)}&view=all`)}
              empty={{ title: t('stats.noRepeats'), hint: t('stats.repeatRule') }}
            />
          )}
        </Loaded>
        {repeats.data && repeats.data.repeats.length > 0 && <p class="muted lift-chart-note lift-card-foot">{t('stats.repeatRule')}</p>}
      </Card>
    </Page>
  );
}

function targetLine(targets: Targets, kind: 'response' | 'arrival'): { value: number; label: string } {
  const sec = kind === 'response' ? targets.responseSec : targets.arrivalSec;
  return { value: sec, label: t('stats.targetLine', { min: minutes(sec) }) };
}
