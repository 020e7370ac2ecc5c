/**
 * 异常 (inspector; approvers read it too): every anomaly the gateway raised, newest first, with
 * the counts per kind and each kind explained in plain words; filter by date, seal and kind
 * (kept in the address: #/inspector/anomalies?code=TAMPER). An anomaly about a request opens
 * the request; one about a stamp without a request opens the stamp log filtered to it.
 */
import { t } from '../i18n.js';
import { navigate, useLocation } from '../router.js';
import { Card, DataTable, Field, Loaded, Page, Pager, Select, TextInput, Time, useApi, usePolling, type Column } from '../ui/index.js';
import { ANOMALY_CODES, anomalyHelp, anomalyLabel, PageLink, PersonName, useNames, type Anomaly, type Paged } from './seal-common.js';
import { filtersFrom, filtersPath, Glossary, KindCounts, SearchCard, setDateRange, useDraft } from './search.js';

const PAGE_SIZE = 20;
const FILTERS = ['from', 'to', 'seal', 'code'] as const;
type Filter = (typeof FILTERS)[number];
type Filters = Record<Filter, string>;

const filtersOf = (q: URLSearchParams): Filters => filtersFrom(FILTERS, q);
const pathOf = (f: Filters, page = 1): string => filtersPath('/inspector/anomalies', FILTERS, f, page);

function apiQuery(f: Filters, page: number): string {
  const q = new URLSearchParams();
  setDateRange(q, f);
  if (f.seal) q.set('seal', f.seal);
  if (f.code) q.set('code', f.code);
  q.set('page', String(page));
  q.set('pageSize', String(PAGE_SIZE));
  return q.toString();
}

export function AnomaliesPage() {
  const loc = useLocation();
  const applied = filtersOf(loc.query);
  const page = Math.max(1, Number(loc.query.get('page') ?? 1) || 1);
  const { draft, set } = useDraft(applied, FILTERS.map((k) => applied[k]).join('|'));
  const names = useNames();
  const list = useApi<Paged<Anomaly> & { counts: Record<string, number> }>(`/api/seal/anomalies?${apiQuery(applied, page)}`);
  usePolling(list.reload, 15_000);
  const active = FILTERS.filter((k) => applied[k]).length;
  const filtered = active > 0;

  const open = (a: Anomaly) => {
    if (a.request) navigate(`/inspector/logs/${encodeURIComponent(a.request)}`);
    else if (a.stamp) navigate(`/inspector/logs?seal=${encodeURIComponent(a.seal)}&anomaly=${encodeURIComponent(a.code)}`);
  };

  const columns: Column<Anomaly>[] = [
    {
      key: 'code',
      label: t('anomalies.col.kind'),
      primary: true,
      render: (a) => (
        <span class="req-title">
          <span class="text-critical">{anomalyLabel(a.code)}</span>
          <span class="muted req-sub mono">{a.code}</span>
        </span>
      ),
    },
    { key: 'help', label: t('anomalies.col.meaning'), hideOnPhone: true, render: (a) => <span class="help-cell">{anomalyHelp(a.code)}</span> },
    { key: 'ts', label: t('anomalies.col.time'), render: (a) => <span class="nowrap"><Time ms={a.ts} /></span> },
    { key: 'seal', label: t('seal.field.seal'), render: (a) => <span class="nowrap">{names.seal(a.seal)}</span> },
    {
      key: 'about',
      label: t('anomalies.col.about'),
      render: (a) =>
        a.request ? (
          <span class="nowrap"><PageLink path={`/inspector/logs/${encodeURIComponent(a.request)}`}>{a.request}</PageLink></span>
        ) : a.stamp ? (
          <span>{t('anomalies.aboutStamp')}</span>
        ) : (
          <span class="muted">{t('anomalies.aboutSeal')}</span>
        ),
    },
    { key: 'actor', label: t('anomalies.col.who'), render: (a) => <span class="nowrap"><PersonName name={a.actor} names={names} /></span> },
  ];

  return (
    <Page title={t('anomalies.title')} subtitle={t('anomalies.subtitle')}>
      <Loaded state={list}>
        {(p) => {
          const total = Object.values(p.counts).reduce((a, b) => a + b, 0);
          const kinds = ANOMALY_CODES.filter((c) => (p.counts[c] ?? 0) > 0);
          return (
            <Card title={t('anomalies.counts', { n: total })} icon="alert" tone={total ? 'critical' : 'default'}>
              {kinds.length === 0 ? (
                <p class="muted">{filtered ? t('anomalies.noneFiltered') : t('anomalies.none')}</p>
              ) : (
                <KindCounts
                  counts={kinds.map((c) => ({ kind: c, n: p.counts[c] ?? 0 }))}
                  selected={applied.code}
                  label={anomalyLabel}
                  help={anomalyHelp}
                  titled
                  onPick={(c) => navigate(pathOf({ ...applied, code: c }))}
                />
              )}
            </Card>
          );
        }}
      </Loaded>
      <SearchCard active={active} onSubmit={() => navigate(pathOf(draft))} onClear={() => navigate(pathOf(filtersOf(new URLSearchParams())))}>
        <Field id="a-from" label={t('logs.from')}>
          <TextInput id="a-from" type="date" value={draft.from} onValue={set('from')} />
        </Field>
        <Field id="a-to" label={t('logs.to')}>
          <TextInput id="a-to" type="date" value={draft.to} onValue={set('to')} />
        </Field>
        <Field id="a-seal" label={t('seal.field.seal')}>
          <Select id="a-seal" value={draft.seal} onValue={set('seal')} options={[{ value: '', label: t('logs.all') }, ...(names.seals ?? []).map((s) => ({ value: s.id, label: s.name || s.id }))]} />
        </Field>
        <Field id="a-code" label={t('anomalies.kind')}>
          <Select id="a-code" value={draft.code} onValue={set('code')} options={[{ value: '', label: t('logs.all') }, ...ANOMALY_CODES.map((c) => ({ value: c, label: anomalyLabel(c) }))]} />
        </Field>
      </SearchCard>
      <Card flush title={list.data ? t('anomalies.found', { n: list.data.total }) : t('logs.results')} icon="alert">
        <Loaded state={list}>
          {(p) => (
            <>
              <DataTable
                label={t('anomalies.title')}
                columns={columns}
                rows={p.items}
                rowKey={(a) => String(a.seq)}
                onRowClick={open}
                empty={{ title: filtered ? t('anomalies.emptyFiltered') : t('anomalies.empty'), hint: t('anomalies.emptyHint') }}
              />
              <Pager page={p.page} pageSize={p.pageSize} total={p.total} onPage={(n) => navigate(pathOf(applied, n))} />
            </>
          )}
        </Loaded>
      </Card>
      <Glossary title={t('anomalies.glossary')} kinds={ANOMALY_CODES} label={anomalyLabel} help={anomalyHelp} />
    </Page>
  );
}
