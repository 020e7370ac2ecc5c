/**
 * 用印记录 (inspector; approvers read it too): search the stamp log by date range, seal, person,
 * matter, anomaly and out-of-hours, page by page; a stamp opens with both clocks and its photo,
 * and from there its request from beginning to end (/inspector/logs/:id). The search is kept in
 * the address (#/inspector/logs?seal=…), so it can be bookmarked and the anomaly page links here.
 */
import { useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { navigate, useLocation } from '../router.js';
import { Card, DataTable, Field, Loaded, Page, RefreshButton, Pager, Select, TextInput, Time, useApi, type Column } from '../ui/index.js';
import {
  ANOMALY_CODES,
  anomalyLabel,
  matterLabel,
  matterOptions,
  PersonName,
  RequestDetailPage,
  StampModal,
  StampAnomalies,
  StampPhoto,
  useNames,
  type Paged,
  type Stamp,
} from './seal-common.js';
import { filtersFrom, filtersPath, SearchCard, setDateRange, useDraft } from './search.js';

const PAGE_SIZE = 20;
const FILTERS = ['from', 'to', 'seal', 'person', 'matter', 'anomaly', 'hours'] as const;
type Filter = (typeof FILTERS)[number];
type Filters = Record<Filter, string>;

/** The page's query (dates as the person typed them) → the API's query (instants, exclusive end). */
export function stampQuery(f: Filters, page: number): string {
  const q = new URLSearchParams();
  setDateRange(q, f);
  if (f.seal) q.set('seal', f.seal);
  if (f.person) q.set('person', f.person);
  if (f.matter) q.set('matter', f.matter);
  if (f.anomaly === 'any') q.set('anomalous', 'true');
  else if (f.anomaly === 'none') q.set('anomalous', 'false');
  else if (f.anomaly) q.set('anomaly', f.anomaly);
  if (f.hours === 'out') q.set('outOfHours', 'true');
  else if (f.hours === 'in') q.set('outOfHours', 'false');
  q.set('page', String(page));
  q.set('pageSize', String(PAGE_SIZE));
  return q.toString();
}

const filtersOf = (query: URLSearchParams): Filters => filtersFrom(FILTERS, query);
const pathOf = (f: Filters, page = 1): string => filtersPath('/inspector/logs', FILTERS, f, page);

export function StampLogPage() {
  const loc = useLocation();
  const applied = filtersOf(loc.query);
  const page = Math.max(1, Number(loc.query.get('page') ?? 1) || 1);
  const { draft, setDraft, set } = useDraft(applied, FILTERS.map((k) => applied[k]).join('|'));
  const names = useNames();
  const stamps = useApi<Paged<Stamp>>(`/api/seal/stamps?${stampQuery(applied, page)}`);
  const [open, setOpen] = useState<Stamp | undefined>(undefined);
  const active = FILTERS.filter((k) => applied[k]).length;

  const columns: Column<Stamp>[] = [
    {
      key: 'title',
      label: t('logs.col.what'),
      primary: true,
      render: (s) => (
        <span class="req-title">
          <span>{s.title ?? <span class="text-critical">{t('stamp.noRequest')}</span>}</span>
          <span class="muted req-sub">
            {names.seal(s.seal)}
            {s.matter && <> · {matterLabel(s.matter)}</>}
            {s.request && <> · {t('stamp.nthValue', { n: s.n })}</>}
          </span>
        </span>
      ),
    },
    { key: 'ts', label: t('logs.col.time'), render: (s) => <span class="nowrap"><Time ms={s.ts} /></span> },
    {
      key: 'people',
      label: t('logs.col.people'),
      render: (s) =>
        s.requester ? (
          <span class="people">
            <PersonName name={s.requester} names={names} />
            <span class="muted"> → </span>
            <PersonName name={s.approver} names={names} />
          </span>
        ) : (
          <span class="muted">{t('common.none')}</span>
        ),
    },
    { key: 'photo', label: t('logs.col.photo'), render: (s) => <StampPhoto stamp={s} /> },
    {
      key: 'anomalies',
      label: t('logs.col.anomalies'),
      render: (s) => <StampAnomalies stamp={s} />,
    },
  ];

  return (
    <Page title={t('logs.title')} subtitle={t('logs.subtitle')}>
      <SearchCard
        active={active}
        onSubmit={() => navigate(pathOf(draft))}
        onClear={() => {
          const empty = filtersOf(new URLSearchParams());
          setDraft(empty);
          navigate(pathOf(empty));
        }}
      >
        <Field id="from" label={t('logs.from')}>
          <TextInput id="from" type="date" value={draft.from} onValue={set('from')} />
        </Field>
        <Field id="to" label={t('logs.to')}>
          <TextInput id="to" type="date" value={draft.to} onValue={set('to')} />
        </Field>
        <Field id="seal" label={t('seal.field.seal')}>
          <Select id="seal" value={draft.seal} onValue={set('seal')} options={[{ value: '', label: t('logs.all') }, ...(names.seals ?? []).map((s) => ({ value: s.id, label: s.name || s.id }))]} />
        </Field>
        <Field id="person" label={t('logs.person')}>
          <Select
            id="person"
            value={draft.person}
            onValue={set('person')}
            options={[
              { value: '', label: t('logs.all') },
              ...(names.people ?? []).map((p) => ({ value: p.name, label: `${p.displayName || p.name}（${t(p.role === 'approver' ? 'role.approver' : 'role.keeper')}）` })),
            ]}
          />
        </Field>
        <Field id="matter" label={t('seal.field.matter')}>
          <Select id="matter" value={draft.matter} onValue={set('matter')} options={[{ value: '', label: t('logs.all') }, ...matterOptions()]} />
        </Field>
        <Field id="anomaly" label={t('logs.anomaly')}>
          <Select
            id="anomaly"
            value={draft.anomaly}
            onValue={set('anomaly')}
            options={[
              { value: '', label: t('logs.all') },
              { value: 'any', label: t('logs.anomalyAny') },
              { value: 'none', label: t('logs.anomalyNone') },
              ...ANOMALY_CODES.map((c) => ({ value: c, label: anomalyLabel(c) })),
            ]}
          />
        </Field>
        <Field id="hours" label={t('logs.hours')}>
          <Select
            id="hours"
            value={draft.hours}
            onValue={set('hours')}
            options={[
              { value: '', label: t('logs.all') },
              { value: 'out', label: t('logs.hoursOut') },
              { value: 'in', label: t('logs.hoursIn') },
            ]}
          />
        </Field>
      </SearchCard>
      <Card
        flush
        title={stamps.data ? t('logs.found', { n: stamps.data.total }) : t('logs.results')}
        icon="seal"
        actions={
          <RefreshButton small state={stamps} />
        }
      >
        <Loaded state={stamps}>
          {(p) => (
            <>
              <DataTable
                label={t('logs.title')}
                columns={columns}
                rows={p.items}
                rowKey={(s) => s.id}
                onRowClick={setOpen}
                rowTone={(s) => (s.anomalies.length ? 'critical' : undefined)}
                empty={{ title: active ? t('logs.emptyFiltered') : t('logs.empty'), hint: active ? t('logs.emptyFilteredHint') : t('logs.emptyHint') }}
              />
              <Pager page={p.page} pageSize={p.pageSize} total={p.total} onPage={(n) => navigate(pathOf(applied, n))} />
            </>
          )}
        </Loaded>
      </Card>
      {open && <StampModal stamp={open} names={names} requestPath={(id) => `/inspector/logs/${encodeURIComponent(id)}`} onClose={() => setOpen(undefined)} />}
    </Page>
  );
}

export function InspectorRequestPage({ id }: { id: string }) {
  return <RequestDetailPage id={id} back={{ path: '/inspector/logs', label: 'logs.back' }} />;
}
