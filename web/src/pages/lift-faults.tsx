/**
 * 故障 (maintainer): the open cases (critical first) and the recent ones, each with its fault in
 * plain words, the lift, when it was raised, the response and arrival times ticking against the
 * targets (green / amber / red), escalation, and the lifecycle buttons the API allows now.
 * Kept current by the live feed. One case opens with its full record (who did what, when).
 */
import { useMemo, useState } from 'preact/hooks';
import { isKey, t, type Key } from '../i18n.js';
import { formatDate, formatDuration } from '../format.js';
import { currentLocation, navigate } from '../router.js';
import {
  Button,
  Card,
  EmptyState,
  Icon,
  KeyValues,
  LiveIndicator,
  Loaded,
  Page,
  Segmented,
  Select,
  Stat,
  Stats,
  Time,
  useApi,
  useNow,
  type IconName,
} from '../ui/index.js';
import {
  FaultCard,
  faultName,
  isOpen,
  liftName,
  minutes,
  severityRank,
  statusName,
  throttle,
  useLiftFeed,
  useLiftNames,
  useTargets,
  type Fault,
  type FaultDetail,
  type LiftAlert,
  type Reading,
} from './lift-common.js';

type View = 'open' | 'all';

/** Critical first, then the case waiting at the earliest stage, then the newest. */
function sortOpen(faults: Fault[]): Fault[] {
  return [...faults].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || b.raisedAt - a.raisedAt);
}

export function FaultsPage() {
  const q = currentLocation().query;
  const [view, setView] = useState<View>(q.get('view') === 'all' ? 'all' : 'open');
  const [lift, setLift] = useState<string>(q.get('lift') ?? 'all');
  const targets = useTargets();
  const { lifts } = useLiftNames();
  const liftQ = lift !== 'all' ? `&lift=${encodeURIComponent(lift)}` : '';
  const open = useApi<{ faults: Fault[]; total: number }>(`/api/lifts/faults?status=open&limit=500${liftQ}`);
  const recent = useApi<{ faults: Fault[]; total: number }>(`/api/lifts/faults?status=all&limit=100${liftQ}`);
  const reload = useMemo(
    () =>
      throttle(() => {
        open.reload();
        recent.reload();
      }, 300),
    [open.reload, recent.reload],
  );
  const live = useLiftFeed({ fault: () => reload() });
  const now = useNow(5000);
  const replace = (f: FaultDetail) => {
    const upd = (old: { faults: Fault[]; total: number } | undefined) => (old ? { ...old, faults: old.faults.map((x) => (x.faultId === f.faultId ? f : x)) } : old);
    open.set(upd);
    recent.set(upd);
    reload();
  };

  const openFaults = open.data?.faults ?? [];
  const critical = openFaults.filter((f) => f.severity === 'critical').length;
  const late = openFaults.filter((f) => f.acknowledgedAt === null && now - f.raisedAt > targets.responseSec * 1000).length;
  const escalated = openFaults.filter((f) => f.escalatedAt !== null).length;
  const shown = view === 'open' ? open : recent;

  return (
    <Page title={t('nav.maintainer.faults')} subtitle={t('faults.subtitle')} actions={<LiveIndicator state={live} />}>
      <Stats>
        <Stat icon="wrench" tone={openFaults.length ? 'warn' : 'ok'} label={t('faults.stat.open')} value={open.data ? openFaults.length : '—'} />
        <Stat icon="alert" tone={critical ? 'critical' : 'ok'} label={t('faults.stat.critical')} value={open.data ? critical : '—'} />
        <Stat icon="clock" tone={late ? 'critical' : 'ok'} label={t('faults.stat.late', { min: minutes(targets.responseSec) })} value={open.data ? late : '—'} />
        <Stat icon="users" tone={escalated ? 'critical' : 'ok'} label={t('faults.stat.escalated')} value={open.data ? escalated : '—'} />
      </Stats>
      <div class="lift-toolbar">
        <Segmented
          label={t('faults.view')}
          value={view}
          onValue={setView}
          options={[
            { value: 'open', label: t('faults.view.open'), ...(open.data ? { count: openFaults.length } : {}) },
            { value: 'all', label: t('faults.view.all') },
          ]}
        />
        <div class="lift-filter">
          <label class="sr-only" for="faults-lift">
            {t('faults.lift')}
          </label>
          <Select
            id="faults-lift"
            value={lift}
            onValue={setLift}
            options={[{ value: 'all', label: t('faults.allLifts') }, ...(lifts ?? []).map((l) => ({ value: l.lift, label: liftName(l) }))]}
          />
        </div>
      </div>
      <div class="lift-targets" role="note">
        <Icon name="clock" size={18} />
        <p>
          {t('faults.targets', { resp: minutes(targets.responseSec), arr: minutes(targets.arrivalSec) })}
          <span class="lift-targets-legend">
            <span class="lift-swatch lift-swatch-ok" />
            {t('faults.legend.ok')}
            <span class="lift-swatch lift-swatch-warn" />
            {t('faults.legend.warn')}
            <span class="lift-swatch lift-swatch-late" />
            {t('faults.legend.late')}
          </span>
        </p>
      </div>
      <Loaded state={shown}>
        {(d) => {
          const faults = view === 'open' ? sortOpen(d.faults) : d.faults;
          if (faults.length === 0) {
            return view === 'open' ? (
              <EmptyState icon="check" title={t('faults.noneOpen')} hint={t('faults.noneOpenHint')} />
            ) : (
              <EmptyState icon="inbox" title={t('faults.none')} />
            );
          }
          if (view === 'open') {
            return (
              <div class="lift-cases" aria-label={t('faults.view.open')} role="feed">
                {faults.map((f) => (
                  <FaultCard key={f.faultId} fault={f} targets={targets} onChange={replace} onStale={reload} />
                ))}
              </div>
            );
          }
          // the recent ones, grouped by day
          const days: { day: string; faults: Fault[] }[] = [];
          for (const f of faults) {
            const day = formatDate(f.raisedAt);
            const last = days.at(-1);
            if (last && last.day === day) last.faults.push(f);
            else days.push({ day, faults: [f] });
          }
          return (
            <div class="lift-days" role="feed" aria-label={t('faults.view.all')}>
              {days.map((g) => (
                <section key={g.day} class="lift-day">
                  <h2 class="lift-day-title">
                    {g.day}
                    <span class="muted">{t('common.total', { n: g.faults.length })}</span>
                  </h2>
                  <div class="lift-cases">
                    {g.faults.map((f) => (
                      <FaultCard key={f.faultId} fault={f} targets={targets} onChange={replace} onStale={reload} />
                    ))}
                  </div>
                </section>
              ))}
              {d.total > d.faults.length && <p class="muted lift-more">{t('faults.more', { shown: d.faults.length, total: d.total })}</p>}
            </div>
          );
        }}
      </Loaded>
    </Page>
  );
}

// ---------------------------------------------------------------------------------------------
// One case

interface TimelineEntry {
  at: number;
  icon: IconName;
  tone: 'ok' | 'info' | 'warn' | 'critical' | 'neutral';
  title: string;
  by?: string | null;
  lines: string[];
}

function timeline(f: FaultDetail): TimelineEntry[] {
  const out: TimelineEntry[] = [
    { at: f.raisedAt, icon: 'alert', tone: f.severity === 'critical' ? 'critical' : 'warn', title: t('faultLog.raised', { fault: faultName(f.code) }), lines: [] },
  ];
  if (f.escalatedAt !== null) out.push({ at: f.escalatedAt, icon: 'users', tone: 'critical', title: t('faultLog.escalated'), lines: [t('liftCase.escalatedHint')] });
  if (f.clearedAt !== null) out.push({ at: f.clearedAt, icon: 'check', tone: 'ok', title: t('faultLog.cleared'), lines: [] });
  for (const s of f.steps) {
    const lines: string[] = [];
    if (s.assignee) lines.push(t('liftCase.assignee', { name: s.assignee }));
    if (s.note) lines.push(t('faultLog.note', { note: s.note }));
    out.push({
      at: s.at,
      icon: s.step === 'false_alarm' ? 'close' : s.step === 'dispatched' ? 'user' : s.step === 'arrived' ? 'lift' : s.step === 'resolved' ? 'wrench' : 'check',
      tone: s.step === 'false_alarm' ? 'neutral' : s.step === 'resolved' || s.step === 'closed' ? 'ok' : 'info',
      title: statusName(s.step),
      by: s.by,
      lines,
    });
  }
  return out.sort((a, b) => a.at - b.at);
}

function readingItems(r: Partial<Reading>) {
  const items: { label: string; value: string }[] = [];
  const yn = (v: boolean | null | undefined, yes: string, no: string) => (v === undefined || v === null ? t('lift.noData') : v ? yes : no);
  if (r.floorLabel !== undefined) items.push({ label: t('lift.floor'), value: r.floorLabel });
  if (r.door !== undefined) items.push({ label: t('lift.door'), value: t(`liftDoor.${r.door}`) });
  if (r.running !== undefined) items.push({ label: t('lift.running'), value: yn(r.running, t('lift.runningYes'), t('lift.runningNo')) });
  if (r.inZone !== undefined) items.push({ label: t('lift.zone'), value: yn(r.inZone, t('lift.inZone'), t('lift.outOfZone')) });
  if (r.person !== undefined) items.push({ label: t('lift.person'), value: yn(r.person, t('lift.personYes'), t('lift.personNo')) });
  if (r.speedMmS !== undefined && r.speedMmS !== null) items.push({ label: t('lift.speed'), value: t('lift.speedValue', { v: (r.speedMmS / 1000).toFixed(2) }) });
  if (r.mainsOk !== undefined) items.push({ label: t('lift.mains'), value: yn(r.mainsOk, t('lift.ok'), t('lift.powerLost')) });
  if (r.tempC !== undefined && r.tempC !== null) items.push({ label: t('lift.temp'), value: t('lift.tempValue', { v: r.tempC.toFixed(1) }) });
  return items;
}

const detailLabel = (k: string): string => (isKey(`faultDetail.${k}`) ? t(`faultDetail.${k}` as Key) : k);
const detailValue = (v: unknown): string =>
  v === null || v === undefined ? t('lift.noData') : typeof v === 'boolean' ? t(v ? 'common.yes' : 'common.no') : typeof v === 'object' ? JSON.stringify(v) : String(v);

export function FaultDetailPage({ id }: { id: string }) {
  const d = useApi<FaultDetail>(`/api/lifts/faults/${encodeURIComponent(id)}`);
  const targets = useTargets();
  const reload = useMemo(() => throttle(() => d.reload(), 300), [d.reload]);
  const live = useLiftFeed({
    fault: (a) => {
      if ((a as LiftAlert).fault?.faultId === id) reload();
    },
  });
  return (
    <Loaded state={d}>
      {(f) => (
        <Page
          title={faultName(f.code)}
          subtitle={`${liftName(f)} · ${t('liftCase.faultId', { id: f.faultId })}`}
          actions={
            <>
              <LiveIndicator state={live} />
              <Button icon="chevronLeft" onClick={() => navigate('/maintainer/faults')}>
                {t('faults.back')}
              </Button>
            </>
          }
        >
          <FaultCard fault={f} targets={targets} link={false} onChange={(x) => d.set(() => x)} onStale={reload} />
          <div class="grid-2 lift-pair lift-after-case">
            <Card title={t('faultLog.title')} icon="clock">
              <ol class="lift-tl">
                {timeline(f).map((e, i) => (
                  <li key={i} class={`lift-tl-item lift-tl-${e.tone}`}>
                    <span class="lift-tl-dot" aria-hidden="true">
                      <Icon name={e.icon} size={16} />
                    </span>
                    <div class="lift-tl-body">
                      <div class="lift-tl-head">
                        <strong>{e.title}</strong>
                        <span class="muted">
                          <Time ms={e.at} />
                        </span>
                      </div>
                      {e.by && <p class="muted">{t('faultLog.by', { who: e.by, after: formatDuration(e.at - f.raisedAt) })}</p>}
                      {e.lines.map((l, j) => (
                        <p key={j}>{l}</p>
                      ))}
                    </div>
                  </li>
                ))}
              </ol>
              {isOpen(f) && <p class="muted lift-tl-open">{t('faultLog.open')}</p>}
            </Card>
            <Card title={t('faultLog.reading')} icon="lift">
              {f.reading ? <KeyValues items={readingItems(f.reading)} /> : <p class="muted">{t('lift.noData')}</p>}
              {f.detail && Object.keys(f.detail).length > 0 && (
                <>
                  <h3 class="lift-subtitle">{t('faultLog.detail')}</h3>
                  <KeyValues items={Object.entries(f.detail).map(([k, v]) => ({ label: detailLabel(k), value: detailValue(v) }))} />
                </>
              )}
            </Card>
          </div>
        </Page>
      )}
    </Loaded>
  );
}
