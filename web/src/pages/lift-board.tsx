/**
 * 电梯看板 (maintainer): every lift as a tile — floor, direction, door, mode, online, fault badges —
 * kept current by the live feed (GET /api/lifts/stream); lifts with critical faults come first.
 * A tile opens the lift: its state, open faults with their buttons, recent faults, maintenance.
 */
import { useMemo, useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { href, navigate } from '../router.js';
import {
  Ago,
  Badge,
  Button,
  Card,
  DataTable,
  EmptyState,
  Icon,
  KeyValues,
  LiveIndicator,
  Loaded,
  Page,
  Segmented,
  Stat,
  Stats,
  StatusBadge,
  TextInput,
  Time,
  toast,
  useApi,
  useNow,
  type Column,
  type Tone,
} from '../ui/index.js';
import { formatDuration } from '../format.js';
import {
  DirArrow,
  doorName,
  FaultBadge,
  FaultCard,
  faultName,
  FaultStatusBadge,
  liftName,
  modeName,
  severityRank,
  throttle,
  useLiftFeed,
  useTargets,
  worstSeverity,
  type Fault,
  type LiftAlert,
  type LiftState,
  type Reading,
  type ScheduleEntry,
  type Visit,
} from './lift-common.js';
import { MaintenanceStatus } from './lift-visits.js';

type TileTone = 'critical' | 'warn' | 'offline' | 'service' | 'ok';

function tileTone(l: LiftState): TileTone {
  const worst = worstSeverity(l.faults);
  if (worst === 'critical') return 'critical';
  if (worst) return 'warn';
  if (!l.online) return 'offline';
  if (l.maintenance || (l.mode !== null && l.mode !== 'normal')) return 'service';
  return 'ok';
}

const TILE_RANK: Record<TileTone, number> = { critical: 0, warn: 1, offline: 2, service: 3, ok: 4 };
const byName = (a: LiftState, b: LiftState) => liftName(a).localeCompare(liftName(b), 'zh-CN', { numeric: true });
const firstCritical = (l: LiftState) => Math.min(...l.faults.filter((f) => f.severity === 'critical').map((f) => f.raisedAt));

/** Critical first (the longest-waiting first), then other faults, offline, in service, the rest; by name. */
export function sortLifts(lifts: LiftState[]): LiftState[] {
  return [...lifts].sort((a, b) => {
    const ra = TILE_RANK[tileTone(a)];
    const rb = TILE_RANK[tileTone(b)];
    if (ra !== rb) return ra - rb;
    if (ra === 0) return firstCritical(a) - firstCritical(b) || byName(a, b);
    return byName(a, b);
  });
}

/** 正常 / 检修 / 消防返回 … or 维保中 while a maintenance visit is open. */
export function ModeBadge(props: { l: Pick<LiftState, 'mode' | 'maintenance'> }) {
  if (props.l.maintenance) return <Badge tone="info">{t('liftMode.maintenance')}</Badge>;
  const mode = props.l.mode;
  const tone: Tone = mode === 'normal' ? 'ok' : mode === null || mode === 'unknown' ? 'neutral' : mode === 'out_of_service' ? 'offline' : 'warn';
  return <Badge tone={tone}>{modeName(mode)}</Badge>;
}

function LiftTile({ l }: { l: LiftState }) {
  const tone = tileTone(l);
  const r = l.reading;
  const faults = [...l.faults].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.raisedAt - b.raisedAt);
  return (
    <a class={`lift-tile lift-tile-${tone}${l.online ? '' : ' is-offline'}`} href={href(`/maintainer/board/${encodeURIComponent(l.lift)}`)} data-lift={l.lift}>
      <div class="lift-tile-head">
        <span class="lift-tile-name">{liftName(l)}</span>
        <StatusBadge status={l.online ? 'ok' : 'offline'} label={l.online ? t('lift.online') : t('lift.offline')} />
      </div>
      <div class="lift-tile-body">
        <div class="lift-floorbox" title={t('lift.floor')}>
          <span class="lift-floor">{r?.floorLabel ?? '—'}</span>
          {r && <DirArrow dir={r.dir} />}
        </div>
        <dl class="lift-tile-facts">
          <div>
            <dt>{t('lift.door')}</dt>
            <dd>{r ? doorName(r.door) : '—'}</dd>
          </div>
          <div>
            <dt>{t('lift.mode')}</dt>
            <dd>{r || l.maintenance ? <ModeBadge l={l} /> : '—'}</dd>
          </div>
          {r?.person && (
            <div class="lift-person">
              <dt class="sr-only">{t('lift.person')}</dt>
              <dd>
                <Icon name="user" size={16} />
                {t('lift.personYes')}
              </dd>
            </div>
          )}
        </dl>
      </div>
      {faults.length > 0 && (
        <div class="lift-tile-faults">
          {faults.map((f) => (
            <FaultBadge key={f.faultId} code={f.code} severity={f.severity} raisedAt={f.raisedAt} />
          ))}
        </div>
      )}
      {!l.online && (
        <p class="lift-tile-seen">{l.ts ? <>{t('lift.lastData')} <Ago ms={l.ts} /></> : t('lift.neverSeen')}</p>
      )}
    </a>
  );
}

type Filter = 'all' | 'faults' | 'offline' | 'service';

export function LiftBoardPage() {
  const first = useApi<{ lifts: LiftState[] }>('/api/lifts');
  const [live, setLive] = useState<LiftState[] | undefined>(undefined);
  const [query, setQuery] = useState('');
  const [filter, setFilter] = useState<Filter>('all');
  const state = useLiftFeed({
    snapshot: (d) => setLive((d as { lifts: LiftState[] }).lifts),
    state: (d) => {
      const s = d as LiftState;
      setLive((old) => (old ? (old.some((l) => l.lift === s.lift) ? old.map((l) => (l.lift === s.lift ? s : l)) : [...old, s]) : old));
    },
    fault: (d) => {
      const a = d as LiftAlert;
      if (a.event === 'fault.raise' && a.severity === 'critical' && a.fault) {
        toast(t('board.alarm', { fault: faultName(a.fault.code), lift: a.lift.name || a.lift.id }), 'critical', 15_000);
      }
    },
  });
  const lifts = live ?? first.data?.lifts;
  const now = useNow(1000);

  return (
    <Page title={t('nav.maintainer.board')} subtitle={t('board.subtitle')} actions={<LiveIndicator state={state} />}>
      <Loaded state={{ ...first, data: lifts ? { lifts } : undefined }}>
        {() => {
          const all = lifts!;
          const sorted = sortLifts(all);
          const critical = sorted.flatMap((l) => l.faults.filter((f) => f.severity === 'critical').map((f) => ({ l, f })));
          const withFaults = all.filter((l) => l.faults.length > 0).length;
          const offline = all.filter((l) => !l.online).length;
          const service = all.filter((l) => l.maintenance || (l.mode !== null && l.mode !== 'normal')).length;
          const q = query.trim().toLowerCase();
          const shown = sorted.filter((l) => {
            if (q && !liftName(l).toLowerCase().includes(q) && !l.lift.toLowerCase().includes(q)) return false;
            if (filter === 'faults') return l.faults.length > 0;
            if (filter === 'offline') return !l.online;
            if (filter === 'service') return !!l.maintenance || (l.mode !== null && l.mode !== 'normal');
            return true;
          });
          return (
            <>
              {critical.length > 0 && (
                <div class="lift-alarm" role="alert">
                  <div class="lift-alarm-head">
                    <Icon name="alert" size={24} />
                    <strong>{t('board.criticalTitle', { n: critical.length })}</strong>
                  </div>
                  <ul class="lift-alarm-list">
                    {critical.map(({ l, f }) => (
                      <li key={f.faultId}>
                        <a href={href(`/maintainer/faults/${encodeURIComponent(f.faultId)}`)}>
                          <strong>{faultName(f.code)}</strong> · {liftName(l)}
                        </a>
                        <span class="lift-alarm-time">{formatDuration(now - f.raisedAt)}</span>
                      </li>
                    ))}
                  </ul>
                  <Button variant="danger" icon="wrench" onClick={() => navigate('/maintainer/faults')}>
                    {t('board.handle')}
                  </Button>
                </div>
              )}
              {/* on a phone the filter buttons below carry the same counts */}
              <div class="lift-board-stats">
                <Stats>
                  <Stat icon="lift" label={t('board.stat.lifts')} value={all.length} />
                  <Stat icon="check" tone={offline === all.length && all.length > 0 ? 'offline' : 'ok'} label={t('board.stat.online')} value={all.length - offline} />
                  <Stat icon="alert" tone={critical.length ? 'critical' : withFaults ? 'warn' : 'ok'} label={t('board.stat.faults')} value={withFaults} />
                  <Stat icon="device" tone={offline ? 'offline' : undefined} label={t('board.stat.offline')} value={offline} />
                </Stats>
              </div>
              <div class="lift-toolbar">
                <Segmented
                  label={t('board.filter')}
                  value={filter}
                  onValue={setFilter}
                  options={[
                    { value: 'all', label: t('board.filter.all'), count: all.length },
                    { value: 'faults', label: t('board.filter.faults'), count: withFaults },
                    { value: 'offline', label: t('board.filter.offline'), count: offline },
                    { value: 'service', label: t('board.filter.service'), count: service },
                  ]}
                />
                <div class="lift-search">
                  <label class="sr-only" for="lift-search">
                    {t('board.search')}
                  </label>
                  <TextInput id="lift-search" type="search" value={query} onValue={setQuery} placeholder={t('board.search')} />
                </div>
              </div>
              {all.length === 0 ? (
                <EmptyState
                  icon="lift"
                  title={t('board.empty')}
                  hint={
                    <>
                      {t('board.emptyHint')}
                      <code class="cmd">sealift device add lift-a1 --profile lift-modbus --port /dev/ttyUSB1 --slave 1</code>
                    </>
                  }
                />
              ) : shown.length === 0 ? (
                <EmptyState icon="search" title={t('board.noMatch')} />
              ) : (
                <div class="lift-grid" aria-label={t('board.grid')} role="list">
                  {shown.map((l) => (
                    <div role="listitem" key={l.lift}>
                      <LiftTile l={l} />
                    </div>
                  ))}
                </div>
              )}
              <p class="lift-legend muted">{t('board.legend')}</p>
            </>
          );
        }}
      </Loaded>
    </Page>
  );
}

// ---------------------------------------------------------------------------------------------
// One lift

interface LiftDetail {
  state: LiftState;
  faults: Fault[];
  schedule: ScheduleEntry[];
  visits: Visit[];
}

function yesNo(v: boolean | null, yes: string, no: string, badWhen: boolean) {
  if (v === null) return <span class="muted">{t('lift.noData')}</span>;
  return <span class={v === badWhen ? 'lift-bad' : undefined}>{v ? yes : no}</span>;
}

function readingItems(r: Reading, l: LiftState) {
  const items = [
    { label: t('lift.floor'), value: r.floorLabel },
    { label: t('lift.dir'), value: t(`liftDir.${r.dir}`) },
    { label: t('lift.door'), value: doorName(r.door) },
    { label: t('lift.zone'), value: yesNo(r.inZone, t('lift.inZone'), t('lift.outOfZone'), false) },
    { label: t('lift.person'), value: yesNo(r.person, t('lift.personYes'), t('lift.personNo'), true) },
    { label: t('lift.speed'), value: r.speedMmS === null ? <span class="muted">{t('lift.noData')}</span> : t('lift.speedValue', { v: (r.speedMmS / 1000).toFixed(2) }) },
    { label: t('lift.mains'), value: yesNo(r.mainsOk, t('lift.ok'), t('lift.powerLost'), false) },
    { label: t('lift.safety'), value: yesNo(r.safetyCircuit, t('lift.closedCircuit'), t('lift.openCircuit'), false) },
    { label: t('lift.doorLock'), value: yesNo(r.doorLockCircuit, t('lift.closedCircuit'), t('lift.openCircuit'), false) },
    { label: t('lift.alarmButton'), value: yesNo(r.alarmButton, t('lift.pressed'), t('lift.notPressed'), true) },
  ];
  if (r.loadPct !== null) items.push({ label: t('lift.load'), value: `${r.loadPct}%` });
  if (r.tempC !== null) items.push({ label: t('lift.temp'), value: t('lift.tempValue', { v: r.tempC.toFixed(1) }) });
  if (r.faultCode !== null) items.push({ label: t('lift.controllerCode'), value: r.faultCode === 0 ? t('lift.none') : <span class="lift-bad">{r.faultCode}</span> });
  if (r.runCount !== null) items.push({ label: t('lift.runCount'), value: r.runCount.toLocaleString('zh-CN') });
  if (l.ts !== null) items.push({ label: t('lift.updated'), value: <Ago ms={l.ts} /> });
  return items;
}

function sourceText(l: LiftState): string {
  if (l.source === 'kit') return t('lift.sourceKit', { id: l.lift });
  return t('lift.sourceModbus', { id: l.lift, bus: l.bus ?? '—', slave: l.slave ?? '—' });
}

export function LiftDetailPage({ id }: { id: string }) {
  const enc = encodeURIComponent(id);
  const detail = useApi<LiftDetail>(`/api/lifts/${enc}`);
  const recent = useApi<{ faults: Fault[]; total: number }>(`/api/lifts/faults?lift=${enc}&limit=10`);
  const targets = useTargets();
  const reloadAll = useMemo(
    () =>
      throttle(() => {
        detail.reload();
        recent.reload();
      }, 300),
    [detail.reload, recent.reload],
  );
  const state = useLiftFeed({
    state: (d) => {
      const s = d as LiftState;
      if (s.lift === id) detail.set((old) => (old ? { ...old, state: s } : old));
    },
    fault: (d) => {
      if ((d as LiftAlert).lift.id === id) reloadAll();
    },
    maintenance: (d) => {
      if ((d as LiftAlert).lift.id === id) reloadAll();
    },
  });
  const columns: Column<Fault>[] = [
    { key: 'code', label: t('faults.col.fault'), primary: true, render: (f) => faultName(f.code) },
    { key: 'raisedAt', label: t('faults.col.raisedAt'), render: (f) => <Time ms={f.raisedAt} /> },
    { key: 'status', label: t('faults.col.status'), render: (f) => <FaultStatusBadge fault={f} /> },
    { key: 'response', label: t('liftTimer.response'), render: (f) => (f.responseSec === null ? <span class="muted">—</span> : formatDuration(f.responseSec * 1000)) },
    { key: 'arrival', label: t('liftTimer.arrival'), render: (f) => (f.arrivalSec === null ? <span class="muted">—</span> : formatDuration(f.arrivalSec * 1000)) },
  ];
  return (
    <Loaded state={detail}>
      {(d) => {
        const l = d.state;
        const r = l.reading;
        const open = d.faults.filter((f) => f.status !== 'closed' && f.status !== 'false_alarm');
        return (
          <Page
            title={liftName(l)}
            subtitle={sourceText(l)}
            actions={
              <>
                <LiveIndicator state={state} />
                <Button icon="chevronLeft" onClick={() => navigate('/maintainer/board')}>
                  {t('lift.back')}
                </Button>
              </>
            }
          >
            <div class="grid-2 lift-pair">
              <Card title={t('lift.stateTitle')} icon="lift">
                <div class={`lift-hero lift-tile-${tileTone(l)}`}>
                  <div class="lift-floorbox lift-floorbox-big">
                    <span class="lift-floor">{r?.floorLabel ?? '—'}</span>
                    {r && <DirArrow dir={r.dir} size={30} />}
                  </div>
                  <div class="lift-hero-badges">
                    <StatusBadge status={l.online ? 'ok' : 'offline'} label={l.online ? t('lift.online') : t('lift.offline')} />
                    <ModeBadge l={l} />
                    {l.faults.map((f) => (
                      <FaultBadge key={f.faultId} code={f.code} severity={f.severity} raisedAt={f.raisedAt} />
                    ))}
                  </div>
                </div>
                {r ? <KeyValues items={readingItems(r, l)} /> : <EmptyState icon="lift" title={t('lift.noReading')} hint={t('lift.noReadingHint')} />}
              </Card>
              <MaintenanceStatus lift={l} schedule={d.schedule} visits={d.visits} onChange={reloadAll} />
            </div>
            <Card title={t('lift.openFaults', { n: open.length })} icon="alert" tone={open.some((f) => f.severity === 'critical') ? 'critical' : 'default'}>
              {open.length === 0 ? (
                <p class="lift-none">
                  <Icon name="check" size={20} />
                  {t('lift.noOpenFaults')}
                </p>
              ) : (
                <div class="lift-cases">
                  {open.map((f) => (
                    <FaultCard key={f.faultId} fault={f} targets={targets} onChange={() => reloadAll()} onStale={reloadAll} />
                  ))}
                </div>
              )}
            </Card>
            <Card
              flush
              title={t('lift.recentFaults')}
              icon="clock"
              actions={
                <a class="lift-card-link" href={href(`/maintainer/faults?lift=${enc}&view=all`)}>
                  {t('lift.allFaults')}
                </a>
              }
            >
              <Loaded state={recent}>
                {(rf) => (
                  <DataTable
                    label={t('lift.recentFaults')}
                    columns={columns}
                    rows={rf.faults}
                    rowKey={(f) => f.faultId}
                    onRowClick={(f) => navigate(`/maintainer/faults/${encodeURIComponent(f.faultId)}`)}
                    rowTone={(f) => (f.status !== 'closed' && f.status !== 'false_alarm' ? (f.severity === 'critical' ? 'critical' : 'warn') : undefined)}
                    empty={{ title: t('lift.noFaults') }}
                  />
                )}
              </Loaded>
            </Card>
          </Page>
        );
      }}
    </Loaded>
  );
}
