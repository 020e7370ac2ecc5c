/**
 * 站点 (hub): every gateway syncing to the hub with its verification state in plain words —
 * "完整，未被篡改" when every record held is verified, otherwise what is wrong (a rewritten
 * history, records still waiting for a signed checkpoint) — the records held and verified, online,
 * last seen, the hub's newest receipt and the alarms. A site opens with its recent alarms and the
 * evidence bundle export (GET /api/hub/gateways/:gw/export, a tar), with how to check it.
 */
import { useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { ApiError, getBlob } from '../api.js';
import { formatDateTime, formatRelative, fromZonedInput } from '../format.js';
import { href } from '../router.js';
import {
  Ago,
  Card,
  EmptyState,
  Form,
  Icon,
  KeyValues,
  Loaded,
  Notice,
  Page,
  Stat,
  Stats,
  Time,
  useApi,
  usePolling,
  useSubmit,
  Button,
} from '../ui/index.js';
import { Tile } from '../pages/approver-seals.js';
import { ExportRangeFields } from '../pages/inspector-verify.js';
import { dateRangeErrors } from '../pages/search.js';
import { OnlineBadge, SITE_TONE, siteLabel, siteState, SiteVerdict, type SiteState } from './common.js';
import { AlarmTable } from './alarms.js';
import type { HubAlarm, HubGateway, HubGatewayDetail } from './model.js';

const ORDER: Record<SiteState, number> = { tampered: 0, pending: 1, ok: 2, empty: 3 };
const DAY = 86_400_000;
const sitePath = (gw: string) => `/hub/sites/${encodeURIComponent(gw)}`;
const logsOf = (gw: string) => `/hub/logs?gw=${encodeURIComponent(gw)}`;

function SiteCard({ g }: { g: HubGateway }) {
  const s = siteState(g);
  return (
    <article class={`card seal-card hub-site hub-site-${s}${g.online === false ? ' is-offline' : ''}`} aria-label={g.gw}>
      <header class="seal-card-head">
        <span class="seal-card-icon">
          <Icon name="shield" size={24} />
        </span>
        <span class="seal-card-titles">
          <h2 class="seal-card-title">
            <a class="hub-site-link" href={href(sitePath(g.gw))}>
              {g.name ?? g.gw}
            </a>
          </h2>
          <span class="muted seal-card-id">
            {g.name && (
              <>
                <span class="mono">{g.gw}</span>
                {' · '}
              </>
            )}
            {g.lastSeen ? (
              <>
                {t('hubSites.lastSeen')}
                <Ago ms={g.lastSeen} />
              </>
            ) : (
              t('hubSites.neverSeen')
            )}
          </span>
        </span>
        <OnlineBadge online={g.online} />
      </header>
      <div class="seal-card-body">
        <SiteVerdict g={g} small />
        <div class="tiles">
          <Tile icon="inbox" label={t('hubSites.held')} value={t('hubSites.recordsValue', { n: g.held })} />
          <Tile icon="check" label={t('hubSites.verified')} value={t('hubSites.recordsValue', { n: g.verified })} tone={s === 'ok' ? 'ok' : s === 'empty' ? undefined : SITE_TONE[s]} />
          <Tile icon="fileCheck" label={t('hubSites.receipt')} value={g.receipt ? formatRelative(g.receipt.time) : t('hubSites.noReceipt')} />
          <Tile icon="alert" label={t('hubSites.alarms')} value={t('hubSites.alarmsValue', { n: g.alarms })} tone={g.alarms > 0 ? 'critical' : undefined} />
        </div>
        <div class="seal-card-actions">
          <a class="btn btn-primary" href={href(sitePath(g.gw))}>
            <Icon name="fileCheck" size={18} />
            <span>{t('hubSites.open')}</span>
          </a>
          <a class="btn btn-secondary" href={href(logsOf(g.gw))}>
            <Icon name="search" size={18} />
            <span>{t('hubSites.logs')}</span>
          </a>
        </div>
      </div>
    </article>
  );
}

export function SitesPage() {
  const list = useApi<{ hub: { name: string; vkey: string }; gateways: HubGateway[] }>('/api/hub/gateways');
  usePolling(list.reload, 10_000);
  return (
    <Page title={t('hubSites.title')} subtitle={t('hubSites.subtitle')}>
      <Loaded state={list}>
        {({ gateways }) => {
          if (gateways.length === 0) {
            return (
              <EmptyState
                icon="shield"
                title={t('hubSites.empty')}
                hint={
                  <>
                    {t('hubSites.emptyHint')}
                    <br />
                    <code>sealift hub gateway add GW --key VKEY</code>
                  </>
                }
              />
            );
          }
          const count = (s: SiteState) => gateways.filter((g) => siteState(g) === s).length;
          const sorted = [...gateways].sort((a, b) => ORDER[siteState(a)] - ORDER[siteState(b)] || a.gw.localeCompare(b.gw));
          return (
            <>
              <Stats>
                <Stat icon="shield" label={t('hubSites.statSites')} value={gateways.length} />
                <Stat icon="check" label={t('hubSites.statOk')} value={count('ok')} tone="ok" />
                <Stat icon="alert" label={t('hubSites.statTampered')} value={count('tampered')} tone={count('tampered') ? 'critical' : undefined} />
                <Stat icon="device" label={t('hubSites.statOffline')} value={gateways.filter((g) => g.online === false).length} tone="offline" />
              </Stats>
              <div class="seal-grid hub-sites">
                {sorted.map((g) => (
                  <SiteCard key={g.gw} g={g} />
                ))}
              </div>
            </>
          );
        }}
      </Loaded>
    </Page>
  );
}

// ------------------------------------------------------------------------------- one site

/** 导出证据包: the site's verified records as a tar, downloaded with the hub's token, and how to check it. */
function ExportCard({ g }: { g: HubGatewayDetail }) {
  const [d, setD] = useState({ from: '', to: '', kind: 'seal.*' });
  const f = useSubmit(
    async () => {
      const q = new URLSearchParams();
      if (d.from) q.set('from', String(fromZonedInput(d.from)));
      if (d.to) q.set('to', String(fromZonedInput(d.to) + DAY - 1));
      if (d.kind) q.set('kind', d.kind);
      const { blob, filename } = await getBlob(`/api/hub/gateways/${encodeURIComponent(g.gw)}/export?${q.toString()}`);
      const name = filename ?? `sealift-${g.gw}-export.tar`;
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      return { name, bytes: blob.size };
    },
    () => dateRangeErrors(d),
  );
  const nothing = f.error instanceof ApiError && /nothing verified/.test(f.error.message);
  const file = f.result?.name ?? `sealift-${g.gw}-export.tar`;
  return (
    <Card title={t('hubExport.title')} icon="download" class="hub-export">
      <p class="card-lead">{t('hubExport.lead')}</p>
      {g.verified === 0 ? (
        <Notice tone="info">{t('hubExport.nothing')}</Notice>
      ) : (
        <Form onSubmit={f.submit} error={nothing ? undefined : f.error} label={t('hubExport.title')}>
          <div class="filter-grid">
            <ExportRangeFields d={d} setD={setD} fields={f.fields} />
          </div>
          {nothing && <Notice tone="warn">{t('hubExport.nothing')}</Notice>}
          <Button type="submit" variant="primary" icon="download" busy={f.busy}>
            {f.busy ? t('hubExport.busy') : t('hubExport.download')}
          </Button>
        </Form>
      )}
      {f.result && !f.busy && (
        <div class="export-result" role="status">
          <Notice tone="ok">{t('hubExport.done', { file: f.result.name })}</Notice>
        </div>
      )}
      <div class="hub-howto">
        <h3 class="hub-howto-title">{t('hubExport.howTitle')}</h3>
        <ol class="hub-steps">
          <li>
            {t('hubExport.step1')}
            <pre class="hub-cmd mono">{`mkdir bundle && tar xf ${file} -C bundle`}</pre>
          </li>
          <li>
            {t('hubExport.step2')}
            <pre class="hub-cmd mono">{`sealift verify --bundle bundle --key '${g.vkey}'`}</pre>
          </li>
          <li>{t('hubExport.step3')}</li>
        </ol>
      </div>
    </Card>
  );
}

/** A site let out of quarantine says so, with who, when and why (its newest alarm about it). */
function ReleasedNotice({ alarms }: { alarms: HubAlarm[] }) {
  const last = alarms.find((a) => a.kind === 'released' || a.kind === 'tamper');
  if (last?.kind !== 'released') return null;
  const d = last.detail as { by?: string; reason?: string };
  return <Notice tone="warn">{t('hubSite.released', { by: d.by ?? '?', reason: d.reason ?? '', time: formatDateTime(last.ts) })}</Notice>;
}

export function SitePage({ gw }: { gw: string }) {
  const g = useApi<HubGatewayDetail>(`/api/hub/gateways/${encodeURIComponent(gw)}`);
  usePolling(g.reload, 10_000);
  return (
    <Page
      title={g.data ? siteLabel(g.data) : gw}
      subtitle={t('hubSite.subtitle')}
      actions={
        <>
          <a class="btn btn-ghost" href={href('/hub/sites')}>
            <Icon name="chevronLeft" size={18} />
            <span>{t('hubSite.back')}</span>
          </a>
          <a class="btn btn-secondary" href={href(logsOf(gw))}>
            <Icon name="search" size={18} />
            <span>{t('hubSites.logs')}</span>
          </a>
        </>
      }
    >
      <Loaded state={g}>
        {(d) => (
          <>
            <div class="grid-2 verify-grid">
              <Card title={t('hubSite.state')} icon="shield">
                <SiteVerdict g={d} />
                <KeyValues
                  items={[
                    { label: t('hubSite.online'), value: <OnlineBadge online={d.online} /> },
                    { label: t('hubSite.lastSeen'), value: d.lastSeen ? <><Time ms={d.lastSeen} /> (<Ago ms={d.lastSeen} />)</> : <span class="muted">{t('hubSites.neverSeen')}</span> },
                    { label: t('hubSites.held'), value: t('hubSites.recordsValue', { n: d.held }) },
                    { label: t('hubSites.verified'), value: t('hubSites.recordsValue', { n: d.verified }) },
                    {
                      label: t('hubSite.receipt'),
                      value: d.receipt ? (
                        <>
                          {t('hubSites.receiptTitle', { n: d.receipt.size })} · <Time ms={d.receipt.time} />
                        </>
                      ) : (
                        <span class="muted">{t('hubSites.noReceipt')}</span>
                      ),
                    },
                    { label: t('hubSite.root'), value: d.root ?? t('common.none'), mono: true },
                    { label: t('hubSite.key'), value: d.vkey, mono: true },
                  ]}
                />
                {d.status === 'tampered' && <Notice tone="critical">{t('hubSite.tamperedAdvice')}</Notice>}
                {d.status === 'ok' && <ReleasedNotice alarms={d.alarms} />}
              </Card>
              <ExportCard g={d} />
            </div>
            <Card flush title={t('hubSite.alarms', { n: d.alarms.length })} icon="alert" tone={d.alarms.some((a) => a.severity === 'critical') ? 'critical' : 'default'}>
              <AlarmTable alarms={d.alarms} empty={{ title: t('hubSite.noAlarms'), hint: t('hubSite.noAlarmsHint') }} />
            </Card>
          </>
        )}
      </Loaded>
    </Page>
  );
}
