/**
 * 导出与校验 (inspector; approvers too): is the log intact? GET /api/verify recomputes every
 * record, the Merkle tree and every checkpoint signature, shown plainly — "完整，未被篡改" in
 * green, or which record fails in red — with the last checkpoint and the hub's last receipt
 * (GET /api/upstream, when the gateway syncs upstream). Then: make an evidence bundle or a CSV
 * table (POST /api/exports) and download it; the bundles kept on the gateway are listed.
 */
import { useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { ApiError, errorText, post } from '../api.js';
import { fromZonedInput } from '../format.js';
import { Ago, Badge, Button, Card, DataTable, Field, Form, Icon, KeyValues, Loaded, Loading, Notice, Page, Select, TextInput, Time, useApi, useSubmit, type Column } from '../ui/index.js';
import { useNames } from './seal-common.js';
import { dateRangeErrors } from './search.js';

interface VerifyResult {
  ok: boolean;
  checked: number;
  size: number;
  checkpoints: number;
  keyId: string;
  firstBad?: { seq: number; reason: string; checkpoint?: number };
  ms: number;
  vkey: string;
  records: number;
  lastCheckpoint: { size: number; root: string; ts: number } | null;
}

interface Upstream {
  url: string;
  connected: boolean;
  since: number;
  backlog: number;
  lastReceipt: { size: number; time: number; receivedAt: number } | null;
  lastError: string | null;
}

interface ExportInfo {
  id: string;
  created: string;
  count: number;
  photos: number;
  photosMissing: string[];
  checkpoint: { size: number; root: string };
  filters: { from?: number | null; to?: number | null; subject?: string | null; kind?: string | null };
  files: { csv: string; tar: string; manifest: string };
}

const DAY = 86_400_000;

function VerifyCard() {
  const v = useApi<VerifyResult>('/api/verify');
  const [checkedAt, setCheckedAt] = useState(Date.now());
  const rerun = () => {
    setCheckedAt(Date.now());
    v.reload();
  };
  return (
    <Card title={t('verify.title')} icon="shield" actions={<Button small icon="refresh" onClick={rerun} busy={v.loading}>{t('verify.again')}</Button>}>
      {v.loading && v.data === undefined ? (
        <Loading label={t('verify.running')} />
      ) : (
        <Loaded state={v}>
          {(r) => (
            <>
              {r.ok ? (
                <div class="verdict verdict-ok" role="status">
                  <Icon name="check" size={40} />
                  <div>
                    <p class="verdict-title">{t('verify.ok')}</p>
                    <p class="verdict-text">{t('verify.okText', { n: r.checked, cp: r.checkpoints })}</p>
                  </div>
                </div>
              ) : (
                <div class="verdict verdict-bad" role="alert">
                  <Icon name="alert" size={40} />
                  <div>
                    <p class="verdict-title">{r.firstBad ? (r.firstBad.checkpoint !== undefined ? t('verify.badCheckpoint', { size: r.firstBad.checkpoint }) : t('verify.badRecord', { seq: r.firstBad.seq })) : t('verify.bad')}</p>
                    <p class="verdict-text">{t('verify.badText')}</p>
                    {r.firstBad && <p class="verdict-reason mono">{r.firstBad.reason}</p>}
                  </div>
                </div>
              )}
              <KeyValues
                items={[
                  { label: t('verify.checkedAt'), value: <Time ms={checkedAt} /> },
                  { label: t('verify.records'), value: t('verify.recordsValue', { n: r.records }) },
                  {
                    label: t('verify.lastCheckpoint'),
                    value: r.lastCheckpoint ? (
                      <>
                        {t('verify.checkpointValue', { n: r.lastCheckpoint.size })} · <Time ms={r.lastCheckpoint.ts} />
                      </>
                    ) : (
                      <span class="muted">{t('verify.noCheckpoint')}</span>
                    ),
                  },
                  ...(r.lastCheckpoint ? [{ label: t('verify.root'), value: r.lastCheckpoint.root, mono: true }] : []),
                  { label: t('verify.key'), value: r.vkey, mono: true },
                ]}
              />
            </>
          )}
        </Loaded>
      )}
    </Card>
  );
}

function HubCard() {
  const up = useApi<Upstream>('/api/upstream');
  let body;
  if (up.data === undefined && up.loading) body = <Loading />;
  else if (up.error instanceof ApiError && up.error.status === 404) body = <Notice tone="info">{t('hub.notConfigured')}</Notice>;
  else if (up.error instanceof ApiError && up.error.status === 403) body = <Notice tone="info">{t('hub.forbidden')}</Notice>;
  else if (up.data === undefined) body = <Notice tone="warn">{errorText(up.error)}</Notice>;
  else {
    const u = up.data;
    body = (
      <>
        {u.lastReceipt ? (
          <div class="verdict verdict-ok verdict-small" role="status">
            <Icon name="check" size={28} />
            <div>
              <p class="verdict-title">{t('hub.receipt', { n: u.lastReceipt.size })}</p>
              <p class="verdict-text">
                {t('hub.receiptAt')} <Time ms={u.lastReceipt.receivedAt} /> (<Ago ms={u.lastReceipt.receivedAt} />)
              </p>
            </div>
          </div>
        ) : (
          <Notice tone="warn">{t('hub.noReceipt')}</Notice>
        )}
        <KeyValues
          items={[
            {
              label: t('hub.connection'),
              value: u.connected ? <Badge tone="ok">{t('hub.connected')}</Badge> : <Badge tone="offline">{t('hub.disconnected')}</Badge>,
            },
            { label: t('hub.since'), value: <Ago ms={u.since} /> },
            { label: t('hub.backlog'), value: u.backlog === 0 ? t('hub.backlogNone') : t('hub.backlogValue', { n: u.backlog }) },
          ]}
        />
      </>
    );
  }
  return (
    <Card title={t('hub.title')} icon="fileCheck">
      {body}
    </Card>
  );
}

function ExportLinks({ e }: { e: ExportInfo }) {
  return (
    <div class="export-links">
      <a class="btn btn-primary" href={e.files.tar} download={`${e.id}.tar`}>
        <Icon name="download" size={18} />
        <span>{t('export.downloadTar')}</span>
      </a>
      <a class="btn btn-secondary" href={e.files.csv} download={`${e.id}.csv`}>
        <Icon name="download" size={18} />
        <span>{t('export.downloadCsv')}</span>
      </a>
    </div>
  );
}

/** An export's 起始日期, 截止日期 (its error below) and 内容 (seal records or all), in a filter grid. */
export function ExportRangeFields<D extends { from: string; to: string; kind: string }>({ d, setD, fields }: { d: D; setD: (d: D) => void; fields: Record<string, string> }) {
  return (
    <>
      <Field id="x-from" label={t('logs.from')} error={fields.from}>
        <TextInput id="x-from" type="date" value={d.from} onValue={(v) => setD({ ...d, from: v })} />
      </Field>
      <Field id="x-to" label={t('logs.to')} error={fields.to}>
        <TextInput id="x-to" type="date" value={d.to} onValue={(v) => setD({ ...d, to: v })} invalid={!!fields.to} />
      </Field>
      <Field id="x-kind" label={t('export.kind')}>
        <Select
          id="x-kind"
          value={d.kind}
          onValue={(v) => setD({ ...d, kind: v })}
          options={[
            { value: 'seal.*', label: t('export.kindSeal') },
            { value: '', label: t('export.kindAll') },
          ]}
        />
      </Field>
    </>
  );
}

function ExportCard({ onMade }: { onMade: () => void }) {
  const names = useNames();
  const [d, setD] = useState({ from: '', to: '', kind: 'seal.*', subject: '' });
  const f = useSubmit(
    async () => {
      const body: Record<string, unknown> = {};
      if (d.from) body.from = fromZonedInput(d.from);
      if (d.to) body.to = fromZonedInput(d.to) + DAY;
      if (d.kind) body.kind = d.kind;
      if (d.subject) body.subject = d.subject;
      const r = await post<ExportInfo>('/api/exports', body);
      onMade();
      return r;
    },
    () => dateRangeErrors(d),
  );
  const empty = f.error instanceof ApiError && f.error.code === 'empty';
  return (
    <Card title={t('export.title')} icon="download">
      <p class="card-lead">{t('export.lead')}</p>
      <Form onSubmit={f.submit} error={empty ? undefined : f.error} label={t('export.title')}>
        <div class="filter-grid">
          <ExportRangeFields d={d} setD={setD} fields={f.fields} />
          <Field id="x-subject" label={t('export.subject')}>
            <Select
              id="x-subject"
              value={d.subject}
              onValue={(v) => setD({ ...d, subject: v })}
              options={[{ value: '', label: t('export.subjectAll') }, ...(names.seals ?? []).map((s) => ({ value: s.id, label: s.name || s.id }))]}
            />
          </Field>
        </div>
        {empty && <Notice tone="warn">{t('export.empty')}</Notice>}
        <Button type="submit" variant="primary" icon="fileCheck" busy={f.busy}>
          {t('export.make')}
        </Button>
      </Form>
      {f.result && !f.busy && (
        <div class="export-result" role="status">
          <Notice tone="ok">
            <strong>{t('export.made', { id: f.result.id })}</strong>
            <br />
            {t('export.madeText', { n: f.result.count, photos: f.result.photos })}
            {f.result.photosMissing.length > 0 && (
              <>
                <br />
                {t('export.photosMissing', { n: f.result.photosMissing.length })}
              </>
            )}
          </Notice>
          <ExportLinks e={f.result} />
          <p class="field-hint">{t('export.howToCheck')}</p>
        </div>
      )}
    </Card>
  );
}

export function VerifyPage() {
  const list = useApi<{ items: ExportInfo[] }>('/api/exports');
  const columns: Column<ExportInfo>[] = [
    { key: 'id', label: t('export.col.id'), primary: true, mono: true },
    { key: 'created', label: t('export.col.created'), render: (e) => <Time ms={Date.parse(e.created)} /> },
    { key: 'count', label: t('export.col.count'), render: (e) => t('export.countValue', { n: e.count, photos: e.photos }) },
    {
      key: 'files',
      label: t('export.col.files'),
      render: (e) => (
        <span class="file-links">
          <a href={e.files.tar} download={`${e.id}.tar`}>
            {t('export.tar')}
          </a>
          <a href={e.files.csv} download={`${e.id}.csv`}>
            {t('export.csv')}
          </a>
        </span>
      ),
    },
  ];
  return (
    <Page title={t('verify.pageTitle')} subtitle={t('verify.pageSubtitle')}>
      <div class="grid-2 verify-grid">
        <VerifyCard />
        <HubCard />
      </div>
      <ExportCard onMade={list.reload} />
      <Card flush title={t('export.kept')} icon="inbox">
        <Loaded state={list}>
          {({ items }) => (
            <DataTable label={t('export.kept')} columns={columns} rows={items} rowKey={(e) => e.id} empty={{ title: t('export.keptEmpty'), hint: t('export.keptEmptyHint') }} />
          )}
        </Loaded>
      </Card>
    </Page>
  );
}

