/**
 * 用印申请 (keeper): file a stamp request, follow my requests live (polled every few seconds),
 * withdraw one; /keeper/requests/:id shows one of them from beginning to end.
 */
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { post } from '../api.js';
import { fromZonedInput, toDateTimeInput } from '../format.js';
import { navigate } from '../router.js';
import {
  Button,
  Card,
  DataTable,
  Field,
  Form,
  Loaded,
  Notice,
  NumberInput,
  Page,
  Pager,
  Select,
  TextInput,
  toast,
  useApi,
  useNow,
  usePolling,
  useSubmit,
  type Column,
} from '../ui/index.js';
import {
  isFinal,
  matterLabel,
  matterOptions,
  RequestDetailPage,
  requestHint,
  RequestStateBadge,
  sealFieldErrors,
  When,
  withdrawRequest,
  useNames,
  type Matter,
  type Names,
  type Paged,
  type SealRequest,
  type SealState,
} from './seal-common.js';

const PAGE_SIZE = 20;
const DEFAULT_WINDOW_MS = 4 * 3600_000;
const MAX_COUNT = 50;

interface Draft {
  seal: string;
  matter: Matter | '';
  title: string;
  count: number | '';
  /** '' while untouched: the window then starts when the gateway receives the request. */
  notBefore: string;
  notAfter: string;
  note: string;
}

const EMPTY: Draft = { seal: '', matter: '', title: '', count: 1, notBefore: '', notAfter: '', note: '' };

function sealOption(s: SealState) {
  const name = s.name || s.id;
  return { value: s.id, label: s.online ? name : t('keeper.sealOffline', { name }) };
}

function RequestForm({ names, onFiled }: { names: Names; onFiled: (r: SealRequest) => void }) {
  const [d, setD] = useState<Draft>(EMPTY);
  const now = useNow(30_000);
  const seals = names.seals ?? [];
  // one seal: chosen already
  useEffect(() => {
    if (!d.seal && seals.length === 1) setD((x) => ({ ...x, seal: seals[0]!.id }));
  }, [seals.length]);

  const startShown = d.notBefore || toDateTimeInput(now);
  const endShown = d.notAfter || toDateTimeInput((d.notBefore ? fromZonedInput(d.notBefore) : now) + DEFAULT_WINDOW_MS);

  const f = useSubmit(
    async () => {
      const body: Record<string, unknown> = { seal: d.seal, matter: d.matter, title: d.title.trim(), count: d.count };
      if (d.notBefore) body.notBefore = fromZonedInput(d.notBefore);
      if (d.notAfter || d.notBefore) body.notAfter = fromZonedInput(endShown);
      if (d.note.trim()) body.note = d.note.trim();
      return post<SealRequest>('/api/seal/requests', body);
    },
    () => {
      const out: Record<string, string> = {};
      if (!d.seal) out.seal = t('keeper.chooseSeal');
      if (!d.matter) out.matter = t('keeper.chooseMatter');
      if (!d.title.trim()) out.title = t('field.required');
      if (d.count === '') out.count = t('field.required');
      else if (!Number.isInteger(d.count) || d.count < 1) out.count = t('sealErr.countMin');
      else if (d.count > MAX_COUNT) out.count = t('sealErr.countMax', { n: MAX_COUNT });
      const a = fromZonedInput(startShown);
      const b = fromZonedInput(endShown);
      if (Number.isNaN(a)) out.notBefore = t('field.invalid');
      if (Number.isNaN(b)) out.notAfter = t('field.invalid');
      else if (b <= a) out.notAfter = t('sealErr.endBeforeStart');
      return out;
    },
    // the seal API's own refusals (invalid_count, invalid_window, unknown_seal) land on their fields
    sealFieldErrors,
  );
  const fieldErr = f.fields;
  const topError = Object.keys(fieldErr).length === 0 ? f.error : undefined;

  const submit = async () => {
    const r = await f.submit();
    if (r) {
      toast(t('keeper.filed', { title: r.title }), 'ok');
      setD({ ...EMPTY, seal: d.seal });
      onFiled(r);
    }
  };

  return (
    <Form onSubmit={submit} error={topError} label={t('keeper.newRequest')} class="request-form">
      <Field id="seal" label={t('seal.field.seal')} error={fieldErr.seal}>
        <Select
          id="seal"
          value={d.seal}
          placeholder={names.seals ? (seals.length ? t('keeper.chooseSeal') : t('keeper.noSeals')) : t('common.loading')}
          onValue={(v) => setD({ ...d, seal: v })}
          options={seals.map(sealOption)}
          invalid={!!fieldErr.seal}
        />
      </Field>
      <Field id="matter" label={t('seal.field.matter')} error={fieldErr.matter}>
        <Select id="matter" value={d.matter} placeholder={t('keeper.chooseMatter')} onValue={(v) => setD({ ...d, matter: v })} options={matterOptions()} invalid={!!fieldErr.matter} />
      </Field>
      <Field id="title" label={t('seal.field.title')} error={fieldErr.title} hint={t('keeper.titleHint')}>
        <TextInput id="title" value={d.title} maxLength={200} placeholder={t('keeper.titlePlaceholder')} onValue={(v) => setD({ ...d, title: v })} invalid={!!fieldErr.title} />
      </Field>
      <Field id="count" label={t('seal.field.count')} error={fieldErr.count} hint={t('keeper.countHint', { n: MAX_COUNT })}>
        <NumberInput id="count" value={d.count} min={1} max={MAX_COUNT} step={1} onValue={(v) => setD({ ...d, count: v })} invalid={!!fieldErr.count} />
      </Field>
      <div class="form-row">
        <Field id="notBefore" label={t('seal.field.notBefore')} error={fieldErr.notBefore}>
          <TextInput id="notBefore" type="datetime-local" value={startShown} onValue={(v) => setD({ ...d, notBefore: v })} invalid={!!fieldErr.notBefore} />
        </Field>
        <Field id="notAfter" label={t('seal.field.notAfter')} error={fieldErr.notAfter}>
          <TextInput id="notAfter" type="datetime-local" value={endShown} onValue={(v) => setD({ ...d, notAfter: v })} invalid={!!fieldErr.notAfter} />
        </Field>
      </div>
      <p class="field-hint form-hint">{d.notBefore || d.notAfter ? t('keeper.windowHintSet') : t('keeper.windowHint')}</p>
      <Field id="note" label={t('keeper.noteLabel')} error={fieldErr.note}>
        <TextInput id="note" value={d.note} maxLength={500} onValue={(v) => setD({ ...d, note: v })} invalid={!!fieldErr.note} />
      </Field>
      <Button type="submit" variant="primary" icon="seal" block busy={f.busy}>
        {t('keeper.submit')}
      </Button>
    </Form>
  );
}

export function KeeperRequestsPage() {
  const names = useNames();
  const [page, setPage] = useState(1);
  const list = useApi<Paged<SealRequest>>(`/api/seal/requests?mine=true&page=${page}&pageSize=${PAGE_SIZE}`);
  usePolling(list.reload, 4000);
  const [busy, setBusy] = useState<string | undefined>(undefined);

  const withdrawButton = (r: SealRequest) => (
    <Button
      small
      variant="danger"
      busy={busy === r.id}
      onClick={async (e: Event) => {
        e.stopPropagation();
        setBusy(r.id);
        try {
          if (await withdrawRequest(r)) list.reload();
        } finally {
          setBusy(undefined);
        }
      }}
    >
      {t('action.withdraw')}
    </Button>
  );

  const columns: Column<SealRequest>[] = [
    {
      key: 'title',
      label: t('seal.field.title'),
      primary: true,
      width: '32%',
      render: (r) => (
        <span class="req-title">
          <span>{r.title}</span>
          <span class="muted req-sub">
            {matterLabel(r.matter)} · {names.seal(r.seal)}
          </span>
        </span>
      ),
    },
    {
      key: 'state',
      label: t('seal.field.state'),
      render: (r) => (
        <span class="state-cell">
          <RequestStateBadge state={r.state} />
          <span class="state-hint">{requestHint(r, names)}</span>
          {!isFinal(r) && <span class="phone-only">{withdrawButton(r)}</span>}
        </span>
      ),
    },
    { key: 'stamps', label: t('keeper.col.stamps'), render: (r) => <span class="num">{t('keeper.stampsOf', { made: r.stamps, count: r.count })}</span> },
    { key: 'ts', label: t('seal.field.filed'), render: (r) => <When ms={r.ts} /> },
    { key: 'actions', label: t('keeper.col.actions'), align: 'right', hideOnPhone: true, render: (r) => (isFinal(r) ? <span class="muted">—</span> : withdrawButton(r)) },
  ];

  const open = list.data?.items.filter((r) => !isFinal(r)).length ?? 0;
  return (
    <Page title={t('keeper.title')} subtitle={t('keeper.subtitle')}>
      {list.data?.items.some((r) => r.state === 'granted') && <Notice tone="ok">{t('keeper.readyNotice')}</Notice>}
      <div class="keeper-grid">
        <Card title={t('keeper.newRequest')} icon="seal" class="keeper-form-card">
          <RequestForm
            names={names}
            onFiled={() => {
              setPage(1);
              list.reload();
              // on a phone the list is under the form: show where the new request is
              if (window.matchMedia('(max-width: 1000px)').matches) document.getElementById('my-requests')?.scrollIntoView({ behavior: 'smooth', block: 'start' });
            }}
          />
        </Card>
        <div id="my-requests" class="keeper-list">
          <Card
            flush
            title={t('keeper.mine')}
            icon="pending"
            class="keeper-list-card"
            actions={list.data ? <span class="muted card-meta">{t('keeper.openCount', { n: open, total: list.data.total })}</span> : undefined}
          >
            <Loaded state={list}>
              {(p) => (
                <>
                  <DataTable
                    label={t('keeper.mine')}
                    columns={columns}
                    rows={p.items}
                    rowKey={(r) => r.id}
                    onRowClick={(r) => navigate(`/keeper/requests/${encodeURIComponent(r.id)}`)}
                    rowTone={(r) => (r.state === 'rejected' ? 'critical' : r.state === 'granted' ? 'self' : undefined)}
                    empty={{ title: t('keeper.empty'), hint: t('keeper.emptyHint') }}
                  />
                  <Pager page={p.page} pageSize={p.pageSize} total={p.total} onPage={setPage} />
                </>
              )}
            </Loaded>
          </Card>
        </div>
      </div>
    </Page>
  );
}

export function KeeperRequestPage({ id }: { id: string }) {
  return <RequestDetailPage id={id} back={{ path: '/keeper/requests', label: 'keeper.back' }} />;
}
