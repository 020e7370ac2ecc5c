/**
 * 告警 (hub): what the hub found while verifying the sites' records — a rewritten history
 * (tamper), checkpoints not signed by the site's key, gaps, refused data — counted per kind and
 * per site, each said in plain words; tap a kind or a site to list only those (kept in the
 * address: #/hub/alarms?gw=…&kind=…).
 */
import type { ComponentChildren } from 'preact';
import { t } from '../i18n.js';
import { navigate, useLocation } from '../router.js';
import { Badge, Button, Card, DataTable, Loaded, Page, Time, useApi, usePolling, type Column } from '../ui/index.js';
import { PageLink } from '../pages/seal-common.js';
import { Glossary, KindCounts } from '../pages/search.js';
import { alarmFact, alarmHelp, alarmLabel, useSiteLabels } from './common.js';
import type { AlarmSummary, HubAlarm } from './model.js';

/** Every kind of hub alarm, worst first. */
export const ALARM_KINDS = ['tamper', 'unknown_key', 'bad_signature', 'unknown_gateway', 'gap', 'invalid', 'released'] as const;

function SeverityBadge({ severity }: { severity: string }) {
  return severity === 'critical' ? <Badge tone="critical">{t('hubAlarms.critical')}</Badge> : <Badge tone="warn">{t('hubAlarms.warning')}</Badge>;
}

/** Alarms, newest first: what in words, where, when (first and last time), how often. */
export function AlarmTable({
  alarms,
  site,
  empty,
}: {
  alarms: HubAlarm[];
  /** How to name a site, for a column of sites; none on a single site's page. */
  site?: (gw: string) => string;
  empty: { title: string; hint?: ComponentChildren };
}) {
  const columns: Column<HubAlarm>[] = [
    {
      key: 'kind',
      label: t('hubAlarms.col.kind'),
      primary: true,
      render: (a) => (
        <span class="req-title" title={a.message}>
          <span class={a.severity === 'critical' ? 'text-critical' : 'text-warn'}>{alarmLabel(a.kind)}</span>
          <span class="muted req-sub">{alarmFact(a)}</span>
        </span>
      ),
    },
    ...(site
      ? [
          {
            key: 'gw',
            label: t('hubAlarms.col.site'),
            render: (a: HubAlarm) => (
              <span class="nowrap">
                <PageLink path={`/hub/sites/${encodeURIComponent(a.gw)}`}>{site(a.gw)}</PageLink>
              </span>
            ),
          },
        ]
      : []),
    {
      key: 'ts',
      label: t('hubAlarms.col.time'),
      render: (a) => (
        <span class="nowrap-lines">
          <Time ms={a.ts} />
          {a.count > 1 && (
            <span class="muted">
              {t('hubAlarms.last')}
              <Time ms={a.lastTs} />
            </span>
          )}
        </span>
      ),
    },
    { key: 'count', label: t('hubAlarms.col.count'), align: 'right', render: (a) => t('hubAlarms.times', { n: a.count }) },
    { key: 'severity', label: t('hubAlarms.col.severity'), render: (a) => <SeverityBadge severity={a.severity} /> },
  ];
  return <DataTable label={t('hubAlarms.title')} columns={columns} rows={alarms} rowKey={(a) => String(a.id)} rowTone={(a) => (a.severity === 'critical' ? 'critical' : undefined)} empty={empty} />;
}

interface SiteRow {
  gw: string;
  alarms: number;
  lastTs: number;
  kinds: AlarmSummary[];
}

export function HubAlarmsPage() {
  const loc = useLocation();
  const gw = loc.query.get('gw') ?? '';
  const kind = loc.query.get('kind') ?? '';
  const q = new URLSearchParams({ limit: '200' });
  if (gw) q.set('gw', gw);
  if (kind) q.set('kind', kind);
  const list = useApi<{ alarms: HubAlarm[]; summary: AlarmSummary[] }>(`/api/hub/alarms?${q.toString()}`);
  const siteName = useSiteLabels();
  usePolling(list.reload, 15_000);
  const go = (f: { gw: string; kind: string }) => {
    const p = new URLSearchParams();
    if (f.gw) p.set('gw', f.gw);
    if (f.kind) p.set('kind', f.kind);
    const s = p.toString();
    navigate(s ? `/hub/alarms?${s}` : '/hub/alarms');
  };

  const siteColumns: Column<SiteRow>[] = [
    { key: 'gw', label: t('hubAlarms.col.site'), primary: true, render: (r) => <strong>{siteName(r.gw)}</strong> },
    {
      key: 'kinds',
      label: t('hubAlarms.col.kinds'),
      render: (r) => (
        <span class="badge-list">
          {r.kinds.map((k) => (
            <Badge key={k.kind} tone={k.severity === 'critical' ? 'critical' : 'warn'}>
              {alarmLabel(k.kind)} × {k.alarms}
            </Badge>
          ))}
        </span>
      ),
    },
    { key: 'last', label: t('hubAlarms.col.last'), render: (r) => <span class="nowrap"><Time ms={r.lastTs} /></span> },
    { key: 'alarms', label: t('hubAlarms.col.total'), align: 'right', render: (r) => t('hubAlarms.alarmsValue', { n: r.alarms }) },
  ];

  return (
    <Page title={t('hubAlarms.title')} subtitle={t('hubAlarms.subtitle')}>
      <Loaded state={list}>
        {({ alarms, summary }) => {
          const shown = summary.filter((s) => !gw || s.gw === gw);
          const total = shown.reduce((n, s) => n + s.alarms, 0);
          const byKind = ALARM_KINDS.map((k) => ({ kind: k, n: shown.filter((s) => s.kind === k).reduce((n, s) => n + s.alarms, 0) })).filter((x) => x.n > 0);
          const sites = new Map<string, SiteRow>();
          for (const s of summary.filter((x) => !kind || x.kind === kind)) {
            const r = sites.get(s.gw) ?? { gw: s.gw, alarms: 0, lastTs: 0, kinds: [] };
            r.alarms += s.alarms;
            r.lastTs = Math.max(r.lastTs, s.lastTs);
            r.kinds.push(s);
            sites.set(s.gw, r);
          }
          const siteRows = [...sites.values()].sort((a, b) => b.lastTs - a.lastTs);
          const critical = shown.some((s) => s.severity === 'critical');
          return (
            <>
              <Card title={t('hubAlarms.byKind', { n: total })} icon="alert" tone={critical ? 'critical' : 'default'}>
                {byKind.length === 0 ? (
                  <p class="muted">{gw ? t('hubAlarms.noneSite') : t('hubAlarms.none')}</p>
                ) : (
                  <KindCounts counts={byKind} selected={kind} label={alarmLabel} help={alarmHelp} onPick={(k) => go({ gw, kind: k })} />
                )}
              </Card>
              {siteRows.length > 0 && (
                <Card flush title={t('hubAlarms.bySite', { n: siteRows.length })} icon="shield">
                  <DataTable
                    label={t('hubAlarms.bySite', { n: siteRows.length })}
                    columns={siteColumns}
                    rows={siteRows}
                    rowKey={(r) => r.gw}
                    onRowClick={(r) => go({ gw: gw === r.gw ? '' : r.gw, kind })}
                    rowTone={(r) => (r.kinds.some((k) => k.severity === 'critical') ? 'critical' : undefined)}
                  />
                </Card>
              )}
              <Card
                flush
                title={gw || kind ? t('hubAlarms.listFiltered', { n: alarms.length }) : t('hubAlarms.list', { n: alarms.length })}
                icon="inbox"
                actions={
                  gw || kind ? (
                    <Button small variant="ghost" icon="close" onClick={() => go({ gw: '', kind: '' })}>
                      {t('logs.clear')}
                    </Button>
                  ) : undefined
                }
              >
                {(gw || kind) && (
                  <p class="card-notice hub-filter-note">
                    {[gw && t('hubAlarms.onlySite', { gw }), kind && t('hubAlarms.onlyKind', { kind: alarmLabel(kind) })].filter(Boolean).join(' · ')}
                  </p>
                )}
                <AlarmTable alarms={alarms} site={siteName} empty={{ title: gw || kind ? t('hubAlarms.emptyFiltered') : t('hubAlarms.empty'), hint: t('hubAlarms.emptyHint') }} />
              </Card>
            </>
          );
        }}
      </Loaded>
      <Glossary title={t('hubAlarms.glossary')} kinds={ALARM_KINDS} label={alarmLabel} help={alarmHelp} />
    </Page>
  );
}
