/**
 * 界面组件 (#/dev/ui, admin only, not in the navigation): every shared UI piece on one page, for
 * whoever builds the next pages and for the browser tests. Shows example values, no site data.
 */
import { useState } from 'preact/hooks';
import { t } from '../i18n.js';
import {
  Ago,
  Badge,
  BarChart,
  Button,
  Card,
  CheckList,
  confirmDialog,
  DataTable,
  Elapsed,
  EmptyState,
  Field,
  Form,
  KeyValues,
  LiveIndicator,
  Loading,
  Notice,
  NumberInput,
  Page,
  Segmented,
  Select,
  Stat,
  Stats,
  StatusBadge,
  TextArea,
  TextInput,
  Time,
  toast,
  required,
  useSubmit,
} from '../ui/index.js';

interface Row {
  id: string;
  state: 'ok' | 'warn' | 'critical' | 'offline';
  at: number;
}

export function UiGallery() {
  const [now] = useState(() => Date.now());
  const [values, setValues] = useState({ title: '', count: '' as number | '', kind: '' as '' | 'a' | 'b', note: '' });
  const f = useSubmit(
    async () => {
      toast(t('gallery.saved'), 'ok');
      return true;
    },
    () => {
      const out = required(values, ['title', 'kind']);
      if (values.count === '' || values.count < 1 || values.count > 99) out.count = t('field.min', { n: 1 });
      return out;
    },
  );
  const [seg, setSeg] = useState<'a' | 'b' | 'c'>('a');
  const [ticked, setTicked] = useState<string[]>(['A']);
  const rows: Row[] = [
    { id: 'A-01', state: 'ok', at: now - 3 * 60_000 },
    { id: 'A-02', state: 'warn', at: now - 2 * 3600_000 },
    { id: 'A-03', state: 'critical', at: now - 40_000 },
    { id: 'A-04', state: 'offline', at: now - 3 * 86400_000 },
  ];
  return (
    <Page title={t('gallery.title')} subtitle={t('gallery.subtitle')} actions={<LiveIndicator state="open" />}>
      <Stats>
        <Stat icon="lift" label="ok" value={12} tone="ok" />
        <Stat icon="alert" label="warn" value={2} tone="warn" />
        <Stat icon="alert" label="critical" value={1} tone="critical" />
        <Stat icon="device" label="offline" value={0} tone="offline" />
      </Stats>
      <div class="grid-2">
        <Card title={t('gallery.buttons')}>
          <div class="row-wrap">
            <Button variant="primary">primary</Button>
            <Button>secondary</Button>
            <Button variant="danger">danger</Button>
            <Button variant="ghost">ghost</Button>
            <Button variant="primary" busy>
              busy
            </Button>
          </div>
          <div class="row-wrap">
            <StatusBadge status="ok" />
            <StatusBadge status="warn" />
            <StatusBadge status="critical" />
            <StatusBadge status="offline" />
            <Badge tone="info">info</Badge>
            <Badge>neutral</Badge>
          </div>
          <div class="row-wrap">
            <LiveIndicator state="open" />
            <LiveIndicator state="connecting" />
            <LiveIndicator state="closed" />
          </div>
          <div class="row-wrap">
            <Button
              variant="danger"
              onClick={async () => {
                const ok = await confirmDialog({ title: t('gallery.confirmTitle'), message: t('gallery.confirmMessage'), confirmLabel: t('common.confirm'), danger: true });
                toast(ok ? t('gallery.confirmed') : t('gallery.cancelled'), ok ? 'ok' : 'info');
              }}
            >
              {t('gallery.openConfirm')}
            </Button>
            <Button
              onClick={async () => {
                const reason = await confirmDialog({ title: t('gallery.reasonTitle'), input: { label: t('gallery.reason'), required: true } });
                if (reason !== null) toast(`${t('gallery.reason')}: ${reason}`, 'info');
              }}
            >
              {t('gallery.openReason')}
            </Button>
            <Button onClick={() => toast(t('gallery.toastError'), 'critical')}>{t('gallery.showToast')}</Button>
          </div>
        </Card>
        <Card title={t('gallery.times')}>
          <KeyValues
            items={[
              { label: 'Time', value: <Time ms={Date.UTC(2025, 10, 22, 1, 30, 5)} /> },
              { label: 'Ago', value: <Ago ms={now - 3 * 60_000} /> },
              { label: 'Elapsed', value: <Elapsed since={now - 150_000} until={now} /> },
            ]}
          />
        </Card>
      </div>
      <Card title={t('gallery.form')}>
        <Form onSubmit={f.submit} error={f.error}>
          <Field id="title" label={t('gallery.fieldTitle')} error={f.fields.title}>
            <TextInput id="title" value={values.title} onValue={(v) => setValues({ ...values, title: v })} invalid={!!f.fields.title} />
          </Field>
          <Field id="count" label={t('gallery.fieldCount')} error={f.fields.count} hint="1 – 99">
            <NumberInput id="count" value={values.count} onValue={(v) => setValues({ ...values, count: v })} invalid={!!f.fields.count} min={1} max={99} />
          </Field>
          <Field id="kind" label={t('gallery.fieldKind')} error={f.fields.kind}>
            <Select
              id="kind"
              value={values.kind}
              placeholder={t('gallery.choose')}
              onValue={(v) => setValues({ ...values, kind: v })}
              options={[
                { value: 'a', label: 'A' },
                { value: 'b', label: 'B' },
              ]}
              invalid={!!f.fields.kind}
            />
          </Field>
          <Field id="note" label={t('gallery.fieldNote')}>
            <TextArea id="note" value={values.note} onValue={(v) => setValues({ ...values, note: v })} />
          </Field>
          <Button type="submit" variant="primary" busy={f.busy}>
            {t('common.save')}
          </Button>
        </Form>
      </Card>
      <div class="grid-2 gallery-pair">
        <Card title={t('gallery.chart')}>
          <BarChart
            label={t('gallery.chart')}
            bars={[
              { label: 'A', value: 7, tone: 'critical' },
              { label: 'B', value: 4, tone: 'warn' },
              { label: 'C', value: 2 },
              { label: 'D', value: 1, tone: 'muted' },
            ]}
            target={{ value: 5, label: 'target 5' }}
          />
        </Card>
        <Card title={t('gallery.choices')}>
          <div class="row-wrap">
            <Segmented
              label={t('gallery.choices')}
              value={seg}
              onValue={setSeg}
              options={[
                { value: 'a', label: 'A', count: 3 },
                { value: 'b', label: 'B', count: 0 },
                { value: 'c', label: 'C' },
              ]}
            />
          </div>
          <CheckList id="gallery-checks" legend={t('gallery.choices')} items={['A', 'B', 'C']} checked={ticked} onChange={setTicked} />
        </Card>
      </div>
      <Card flush title={t('gallery.table')}>
        <DataTable<Row>
          label={t('gallery.table')}
          rows={rows}
          rowKey={(r) => r.id}
          rowTone={(r) => (r.state === 'critical' ? 'critical' : r.state === 'offline' ? 'offline' : undefined)}
          columns={[
            { key: 'id', label: 'ID', primary: true, mono: true },
            { key: 'state', label: t('gallery.state'), render: (r) => <StatusBadge status={r.state} /> },
            { key: 'at', label: t('gallery.since'), render: (r) => <Ago ms={r.at} /> },
          ]}
        />
      </Card>
      <div class="grid-2">
        <Card>
          <EmptyState title={t('gallery.emptyTitle')} hint={t('gallery.emptyHint')} />
        </Card>
        <Card>
          <Loading />
          <Notice tone="ok">ok</Notice>
          <Notice tone="warn">warn</Notice>
          <Notice tone="critical">critical</Notice>
        </Card>
      </div>
    </Page>
  );
}
