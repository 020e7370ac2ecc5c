/**
 * 用印记录 (hub): the seal records of every site, newest first — stamps by default, or stamp
 * requests, approvals, anomalies, the sleeves' alarms, remote locks — searched by site, seal,
 * kind and dates (kept in the address: #/hub/logs?gw=…&seal=…&from=…), page by page (the API's
 * cursor). Each row says in words which seal, who, what matter, when and where, and whether the
 * hub has verified it; a row opens the record (/hub/logs/:gw/:seq): a stamp with its photo, and
 * its request from beginning to end, and the record's exact text.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { href, navigate, useLocation } from '../router.js';
import {
  Badge,
  Button,
  Card,
  CollapsibleCard,
  DataTable,
  Field,
  Icon,
  KeyValues,
  Loaded,
  Loading,
  Notice,
  Page,
  RefreshButton,
  Select,
  TextInput,
  Time,
  useApi,
  type Column,
} from '../ui/index.js';
import {
  anomalyHelp,
  PageLink,
  PersonName,
  RequestStateBadge,
  requestHint,
  StampAnomalies,
  StampDetail,
  StampPhoto,
  Timeline,
  matterLabel,
  windowText,
  type Names,
  type SealRequest,
  type Stamp,
} from '../pages/seal-common.js';
import { dateRangeErrors, filtersPath, SearchCard, setDateRange, useDraft } from '../pages/search.js';
import { HubStampPhoto, kindLabel, logsPath, recordWhat, rememberLogs, siteLabel, useHubNames, usePhotoUrls, useSiteLabels } from './common.js';
import { drillDown, photoOf, requestFrom, requestIdOf, sealOf, stampFrom, type HubGateway, type RecordDetail, type RecordRow, type RecordsPage } from './model.js';

const PAGE_SIZE = 20;
const DAY = 86_400_000;

/** The kinds of record one can search for, in words (hubLogs.kind.*), and the API's kind. */
export const KINDS = {
  stamp: 'seal.stamp',
  request: 'seal.request',
  decision: 'seal.decision',
  anomaly: 'seal.anomaly',
  alarm: 'seal.alarm',
  lock: 'seal.lock',
  photo: 'seal.photo',
  all: 'seal.*',
} as const;
type KindFilter = keyof typeof KINDS;
const isKind = (k: string): k is KindFilter => Object.hasOwn(KINDS, k);

const FILTERS = ['gw', 'seal', 'kind', 'from', 'to'] as const;
type Filter = (typeof FILTERS)[number];
type Filters = Record<Filter, string>;

function filtersOf(q: URLSearchParams): Filters {
  const kind = q.get('kind') ?? '';
  return { gw: q.get('gw') ?? '', seal: q.get('seal') ?? '', kind: isKind(kind) ? kind : 'stamp', from: q.get('from') ?? '', to: q.get('to') ?? '' };
}

/** The search's address; stamps, the default kind, are not said. */
const pathOf = (f: Filters): string => filtersPath('/hub/logs', FILTERS, { ...f, kind: f.kind === 'stamp' ? '' : f.kind });

/** The page's search (dates as typed, in the site's zone) → the API's (instants; `to` inclusive to the end of that day). */
export function recordsQuery(f: Filters, cursor: string | undefined): string {
  const q = new URLSearchParams();
  if (f.gw) q.set('gw', f.gw);
  if (f.seal) q.set('seal', f.seal);
  q.set('kind', KINDS[isKind(f.kind) ? f.kind : 'stamp']);
  setDateRange(q, f, DAY - 1);
  q.set('limit', String(PAGE_SIZE));
  if (cursor) q.set('cursor', cursor);
  return q.toString();
}

const recordPath = (gw: string, seq: number) => `/hub/logs/${encodeURIComponent(gw)}/${seq}`;

interface Row {
  row: RecordRow;
  req: SealRequest | undefined;
  names: Names;
  what: ReturnType<typeof recordWhat>;
  stamp: Stamp | undefined;
}

/** A stamp (or a stored photo) as the seal pages show it, for the photo and anomaly cells. */
function photoStamp(row: RecordRow, req: SealRequest | undefined, p: RecordsPage): Stamp | undefined {
  const r = row.record;
  if (r.kind !== 'seal.stamp' && r.kind !== 'seal.photo') return undefined;
  const sha = photoOf(r);
  const s = stampFrom(r, req, [], { held: sha ? p.photos[sha] === true : false, url: null });
  return { ...s, photo: sha ?? null, anomalies: r.kind === 'seal.stamp' ? (p.anomalies[`${row.gw} ${s.id}`] ?? []) : [] };
}

function VerifiedBadge({ verified }: { verified: boolean }) {
  return verified ? (
    <Badge tone="ok" title={t('hubLogs.verifiedHelp')}>
      {t('hubLogs.verified')}
    </Badge>
  ) : (
    <Badge tone="warn" title={t('hubLogs.pendingHelp')}>
      {t('hubLogs.pending')}
    </Badge>
  );
}

export function HubLogsPage() {
  const loc = useLocation();
  const applied = filtersOf(loc.query);
  const key = FILTERS.map((k) => applied[k]).join('|');
  const { draft, setDraft, set } = useDraft(applied, key);
  useEffect(() => rememberLogs(pathOf(applied)), [key]);
  // The cursors of the pages after the first, for this search only.
  const [pages, setPages] = useState<{ key: string; cursors: string[] }>({ key, cursors: [] });
  const cursors = pages.key === key ? pages.cursors : [];
  const names = useHubNames();
  const sites = useApi<{ gateways: HubGateway[] }>('/api/hub/gateways');
  const siteNames = new Map((sites.data?.gateways ?? []).map((g) => [g.gw, g.name]));
  const list = useApi<RecordsPage>(`/api/hub/records?${recordsQuery(applied, cursors[cursors.length - 1])}`);
  const [fields, setFields] = useState<Record<string, string>>({});
  const active = FILTERS.filter((k) => applied[k] && !(k === 'kind' && applied.kind === 'stamp')).length;

  const submit = () => {
    const wrong = dateRangeErrors(draft);
    setFields(wrong);
    if (!wrong.to) navigate(pathOf(draft));
  };

  // Seals of the chosen site, or of every site (a seal id may exist at several sites: choosing one picks its site too).
  const sealOptions: { value: string; label: string }[] = [];
  for (const [g, n] of Object.entries(names.all ?? {})) {
    if (draft.gw && g !== draft.gw) continue;
    for (const s of n.seals) sealOptions.push({ value: `${g}\n${s.id}`, label: draft.gw ? s.name || s.id : t('hubLogs.sealAt', { seal: s.name || s.id, gw: g }) });
  }
  const sealValue = draft.seal ? `${draft.gw}\n${draft.seal}` : '';
  if (draft.seal && !sealOptions.some((o) => o.value === sealValue)) sealOptions.push({ value: sealValue, label: draft.seal });

  const showPhoto = applied.kind === 'stamp' || applied.kind === 'photo' || applied.kind === 'all';
  const columns: Column<Row>[] = [
    {
      key: 'what',
      label: t('hubLogs.col.what'),
      primary: true,
      render: ({ what }) => (
        <span class="req-title">
          <span class={what.tone === 'critical' ? 'text-critical' : undefined}>{what.title}</span>
          <span class="muted req-sub">{what.facts.join(' · ')}</span>
        </span>
      ),
    },
    { key: 'ts', label: t('hubLogs.col.time'), render: ({ row }) => <span class="nowrap"><Time ms={row.record.ts} /></span> },
    { key: 'gw', label: t('hubLogs.col.site'), render: ({ row }) => <span class="nowrap">{siteLabel({ gw: row.gw, name: siteNames.get(row.gw) })}</span> },
    {
      key: 'people',
      label: t('hubLogs.col.people'),
      render: ({ row, req, names: n }) =>
        row.record.kind === 'seal.stamp' || row.record.kind === 'seal.anomaly' ? (
          req ? (
            <span class="people">
              <PersonName name={req.requester} names={n} />
              <span class="muted"> → </span>
              <PersonName name={req.decidedBy} names={n} />
            </span>
          ) : (
            <span class="muted">{t('common.none')}</span>
          )
        ) : (
          <PersonName name={row.record.actor} names={n} />
        ),
    },
    ...(showPhoto
      ? [
          { key: 'photo', label: t('logs.col.photo'), render: ({ stamp }: Row) => (stamp ? <HubStampPhoto stamp={stamp} /> : <span class="muted">{t('common.none')}</span>) },
          {
            key: 'anomalies',
            label: t('logs.col.anomalies'),
            render: ({ stamp, row }: Row) =>
              stamp && row.record.kind === 'seal.stamp' ? (
                <StampAnomalies stamp={stamp} />
              ) : (
                <span class="muted">{t('common.none')}</span>
              ),
          },
        ]
      : []),
    { key: 'verified', label: t('hubLogs.col.verified'), render: ({ row }) => <VerifiedBadge verified={row.verified} /> },
  ];

  const index = cursors.length;
  return (
    <Page title={t('hubLogs.title')} subtitle={t('hubLogs.subtitle')}>
      <SearchCard
        active={active}
        onSubmit={submit}
        onClear={() => {
          setFields({});
          navigate('/hub/logs');
        }}
      >
        <Field id="h-kind" label={t('hubLogs.kind')}>
          <Select id="h-kind" value={draft.kind} onValue={set('kind')} options={(Object.keys(KINDS) as KindFilter[]).map((k) => ({ value: k, label: t(`hubLogs.kind.${k}`) }))} />
        </Field>
        <Field id="h-gw" label={t('hubLogs.site')}>
          <Select
            id="h-gw"
            value={draft.gw}
            onValue={(v) => setDraft({ ...draft, gw: v, seal: v && v !== draft.gw ? '' : draft.seal })}
            options={[{ value: '', label: t('hubLogs.allSites') }, ...(sites.data?.gateways ?? []).map((g) => ({ value: g.gw, label: siteLabel(g) }))]}
          />
        </Field>
        <Field id="h-seal" label={t('seal.field.seal')}>
          <Select
            id="h-seal"
            value={sealValue}
            onValue={(v) => {
              const [g, s] = v.split('\n') as [string, string | undefined];
              setDraft(v ? { ...draft, gw: g, seal: s ?? '' } : { ...draft, seal: '' });
            }}
            options={[{ value: '', label: t('logs.all') }, ...sealOptions]}
          />
        </Field>
        <Field id="h-from" label={t('logs.from')}>
          <TextInput id="h-from" type="date" value={draft.from} onValue={set('from')} />
        </Field>
        <Field id="h-to" label={t('logs.to')} error={fields.to}>
          <TextInput id="h-to" type="date" value={draft.to} onValue={set('to')} invalid={!!fields.to} />
        </Field>
      </SearchCard>
      <Card
        flush
        title={t(`hubLogs.results.${applied.kind as KindFilter}`)}
        icon="seal"
        actions={
          <RefreshButton small state={list} />
        }
      >
        <Loaded state={list}>
          {(p) => {
            const rows: Row[] = p.records.map((row) => {
              const id = requestIdOf(row.record);
              const req = id ? requestFrom(id, p.requests[`${row.gw} ${id}`] ?? []) : undefined;
              const n = names.of(row.gw);
              return { row, req, names: n, what: recordWhat(row.record, req, n), stamp: photoStamp(row, req, p) };
            });
            return (
              <>
                <DataTable
                  label={t('hubLogs.title')}
                  columns={columns}
                  rows={rows}
                  rowKey={(r) => `${r.row.gw}/${r.row.seq}`}
                  onRowClick={(r) => navigate(recordPath(r.row.gw, r.row.seq))}
                  rowTone={(r) => (r.what.tone === 'critical' || (r.stamp?.anomalies.length ?? 0) > 0 ? 'critical' : undefined)}
                  empty={{ title: active ? t('hubLogs.emptyFiltered') : t('hubLogs.empty'), hint: active ? t('logs.emptyFilteredHint') : t('hubLogs.emptyHint') }}
                />
                {(index > 0 || p.next) && (
                  <nav class="pager" aria-label={t('pager.label')}>
                    <Button small disabled={index === 0} onClick={() => setPages({ key, cursors: cursors.slice(0, -1) })} aria-label={t('pager.prevLabel')}>
                      {t('pager.prev')}
                    </Button>
                    <span class="pager-info" aria-live="polite">
                      {t('hubLogs.pageInfo', { page: index + 1, from: index * PAGE_SIZE + 1, to: index * PAGE_SIZE + rows.length })}
                    </span>
                    <Button small disabled={!p.next} onClick={() => p.next && setPages({ key, cursors: [...cursors, p.next] })} aria-label={t('pager.nextLabel')}>
                      {t('pager.next')}
                    </Button>
                  </nav>
                )}
              </>
            );
          }}
        </Loaded>
      </Card>
    </Page>
  );
}

// ------------------------------------------------------------------------------- one record

function RequestCard({ req, names, timeline }: { req: SealRequest; names: Names; timeline: ComponentChildren }) {
  return (
    <Card title={t('hubRecord.request', { title: req.title })} icon="clock">
      <div class="detail-state">
        <RequestStateBadge state={req.state} />
        {req.breakGlass && <Badge tone="critical">{t('detail.breakGlass')}</Badge>}
        {req.escalated && <Badge tone="warn">{t('detail.escalated')}</Badge>}
        {req.anomalies > 0 && <Badge tone="critical">{t('detail.anomalies', { n: req.anomalies })}</Badge>}
        <span class="detail-hint">{requestHint(req, names)}</span>
      </div>
      <KeyValues
        items={[
          { label: t('seal.field.id'), value: req.id, mono: true },
          { label: t('seal.field.requester'), value: <PersonName name={req.requester} names={names} /> },
          { label: t('seal.field.seal'), value: names.seal(req.seal) },
          { label: t('seal.field.matter'), value: matterLabel(req.matter) },
          { label: t('seal.field.count'), value: t('detail.stampsOf', { made: req.stamps, count: req.count }) },
          { label: t('seal.field.window'), value: windowText(req.notBefore, req.notAfter) },
          { label: t('seal.field.filed'), value: <Time ms={req.ts} /> },
          ...(req.note ? [{ label: t('seal.field.note'), value: req.note }] : []),
          {
            label: t('seal.field.decision'),
            value: req.decidedBy ? (
              <>
                <PersonName name={req.decidedBy} names={names} /> · <Time ms={req.decidedAt ?? req.updated} />
                {req.reason && <span class="muted"> · {req.reason}</span>}
              </>
            ) : (
              <span class="muted">{t('detail.notDecided')}</span>
            ),
          },
        ]}
      />
      <h3 class="section-title hub-timeline-title">{t('detail.timeline')}</h3>
      {timeline}
    </Card>
  );
}

function RecordBody({ x, names, urls }: { x: RecordDetail; names: Names; urls: Record<string, string | null> }) {
  const site = useSiteLabels();
  const r = x.record;
  const id = requestIdOf(r);
  const req = id ? requestFrom(id, x.story, x.stamps, x.anomalies) : undefined;
  const photo = (sha: string | undefined) => ({ held: !!sha && x.photos[sha] === true, url: sha ? (urls[sha] ?? null) : null });
  const stamps = x.stamps.map((s) => stampFrom(s, req, x.anomalies, photo(photoOf(s))));
  const what = recordWhat(r, req, names);
  const seal = sealOf(r);
  let main;
  if (r.kind === 'seal.stamp') {
    const me = stamps.find((s) => s.seq === r.seq) ?? stampFrom(r, req, x.anomalies, photo(photoOf(r)));
    main = (
      <Card title={t('hubRecord.stampCard')} icon="seal">
        <StampDetail stamp={me} names={names} />
      </Card>
    );
  } else {
    const sha = photoOf(r);
    main = (
      <Card title={kindLabel(r.kind)} icon={r.kind === 'seal.anomaly' || r.kind === 'seal.alarm' ? 'alert' : 'fileCheck'} tone={what.tone === 'critical' ? 'critical' : 'default'}>
        <div class={sha ? 'stamp-detail' : undefined}>
          {sha && <StampPhoto stamp={{ ...stampFrom(r, req, [], photo(sha)), photo: sha }} large link />}
          <KeyValues
            items={[
              { label: t('hubRecord.what'), value: <strong class={what.tone === 'critical' ? 'text-critical' : undefined}>{what.title}</strong> },
              ...(r.kind === 'seal.anomaly' ? [{ label: t('hubRecord.meaning'), value: anomalyHelp(String(r.data.code ?? '')) }] : []),
              { label: t('hubRecord.facts'), value: what.facts.join(' · ') || t('common.none') },
              { label: t('hubLogs.col.time'), value: <Time ms={r.ts} /> },
              ...(seal ? [{ label: t('seal.field.seal'), value: names.seal(seal) }] : []),
              ...(r.actor ? [{ label: t('hubRecord.actor'), value: <PersonName name={r.actor} names={names} /> }] : []),
            ]}
          />
        </div>
      </Card>
    );
  }
  return (
    <>
      <Notice tone={x.verified ? 'ok' : 'warn'}>
        <strong>{x.verified ? t('hubLogs.verified') : t('hubLogs.pending')}</strong>
        {' · '}
        {x.verified ? t('hubLogs.verifiedHelp') : t('hubLogs.pendingHelp')}
      </Notice>
      {main}
      {req && (
        <RequestCard
          req={req}
          names={names}
          timeline={<Timeline d={drillDown(req, x.story, stamps, x.anomalies)} names={names} onStamp={(s) => navigate(recordPath(x.gw, s.seq))} />}
        />
      )}
      <Card title={t('hubRecord.where')} icon="shield">
        <KeyValues
          items={[
            { label: t('hubLogs.col.site'), value: <PageLink path={`/hub/sites/${encodeURIComponent(x.gw)}`}>{site(x.gw)}</PageLink> },
            { label: t('stamp.seq'), value: `#${x.seq}`, mono: true },
            { label: t('hubRecord.kind'), value: r.kind, mono: true },
          ]}
        />
        <p class="field-hint">{t('hubRecord.seqHint')}</p>
      </Card>
      <CollapsibleCard title={t('hubRecord.raw')} meta={`#${x.seq}`}>
        <p class="card-lead">{t('hubRecord.rawLead')}</p>
        <pre class="hub-raw mono">{JSON.stringify(r, null, 2)}</pre>
      </CollapsibleCard>
    </>
  );
}

export function HubRecordPage({ gw, seq }: { gw: string; seq: number }) {
  const d = useApi<RecordDetail>(Number.isSafeInteger(seq) && seq >= 0 ? `/api/hub/gateways/${encodeURIComponent(gw)}/records/${seq}` : null);
  const names = useHubNames(gw).of(gw);
  const held = d.data ? Object.keys(d.data.photos).filter((s) => d.data!.photos[s]) : [];
  const photos = usePhotoUrls(held);
  const title = d.data ? (d.data.record.kind === 'seal.stamp' ? t('hubRecord.stamp') : kindLabel(d.data.record.kind)) : t('hubRecord.title');
  return (
    <Page
      title={title}
      subtitle={t('hubRecord.subtitle', { gw, seq })}
      actions={
        <a class="btn btn-ghost" href={href(logsPath())}>
          <Icon name="chevronLeft" size={18} />
          <span>{t('hubRecord.back')}</span>
        </a>
      }
    >
      {!Number.isSafeInteger(seq) || seq < 0 ? (
        <Notice tone="warn">{t('error.not_found')}</Notice>
      ) : d.data && !photos.ready ? (
        <Loading />
      ) : (
        <Loaded state={d}>{(x) => <RecordBody x={x} names={names} urls={photos.urls} />}</Loaded>
      )}
    </Page>
  );
}
