/**
 * 印章状态 (approver): each sleeve live (online, locked, battery, sleeve closed, seal present,
 * clock, last seen; polled every few seconds), remote lock with a reason, and the emergency
 * unlock (break-glass): a mandatory reason, clearly marked as an emergency, and always an anomaly.
 */
import { useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { post } from '../api.js';
import { href } from '../router.js';
import {
  Ago,
  Badge,
  Button,
  confirmDialog,
  EmptyState,
  Field,
  Form,
  Icon,
  Loaded,
  Notice,
  NumberInput,
  Page,
  Select,
  StatusBadge,
  TextArea,
  TextInput,
  toast,
  useApi,
  usePolling,
  useSubmit,
  type IconName,
  type Tone,
} from '../ui/index.js';
import { actionError, matterOptions, sealFieldErrors, type Matter, type SealRequest, type SealState } from './seal-common.js';

const BREAK_GLASS_MAX_USES = 3;
const BREAK_GLASS_MAX_MIN = 60;
const LOW_BATTERY = 20;

/** A small labelled figure with a tone (also on the hub's site cards). */
export function Tile(props: { label: string; value: string; tone?: Tone | undefined; icon: IconName }) {
  return (
    <div class={`tile tile-${props.tone ?? 'neutral'}`}>
      <Icon name={props.icon} size={20} />
      <span class="tile-text">
        <span class="tile-label">{props.label}</span>
        <span class="tile-value">{props.value}</span>
      </span>
    </div>
  );
}

function tri(v: boolean | null, yes: string, no: string, tones: [Tone, Tone]): { value: string; tone: Tone | undefined } {
  if (v === null) return { value: t('sealState.unknown'), tone: undefined };
  return v ? { value: yes, tone: tones[0] } : { value: no, tone: tones[1] };
}

function BreakGlassForm({ seal, onDone, onCancel }: { seal: SealState; onDone: () => void; onCancel: () => void }) {
  const [d, setD] = useState({ reason: '', title: '', matter: '' as Matter | '', uses: 1 as number | '', minutes: 30 as number | '' });
  const name = seal.name || seal.id;
  const f = useSubmit(
    async () => {
      const ok = await confirmDialog({
        title: t('breakGlass.confirmTitle'),
        message: t('breakGlass.confirmMessage', { seal: name, uses: Number(d.uses), minutes: Number(d.minutes) }),
        confirmLabel: t('breakGlass.confirm'),
        danger: true,
      });
      if (!ok) return undefined;
      const body: Record<string, unknown> = { reason: d.reason.trim(), uses: d.uses, minutes: d.minutes };
      if (d.title.trim()) body.title = d.title.trim();
      if (d.matter) body.matter = d.matter;
      return post<SealRequest>(`/api/seal/seals/${encodeURIComponent(seal.id)}/break-glass`, body);
    },
    () => {
      const out: Record<string, string> = {};
      if (d.reason.trim().length < 10) out.reason = t('breakGlass.reasonShort');
      if (d.uses === '' || d.uses < 1) out.uses = t('sealErr.countMin');
      else if (d.uses > BREAK_GLASS_MAX_USES) out.uses = t('sealErr.countMax', { n: BREAK_GLASS_MAX_USES });
      if (d.minutes === '' || d.minutes < 1) out.minutes = t('field.min', { n: 1 });
      else if (d.minutes > BREAK_GLASS_MAX_MIN) out.minutes = t('sealErr.minutesMax', { n: BREAK_GLASS_MAX_MIN });
      return out;
    },
    sealFieldErrors,
  );
  const topError = Object.keys(f.fields).length === 0 ? f.error : undefined;
  return (
    <div class="break-glass" role="region" aria-label={t('breakGlass.title')}>
      <h3 class="break-glass-title">
        <Icon name="emergency" size={20} />
        {t('breakGlass.title')}
      </h3>
      <Notice tone="critical">{t('breakGlass.warning')}</Notice>
      <Form
        label={t('breakGlass.title')}
        error={topError}
        onSubmit={async () => {
          const r = await f.submit();
          if (r) {
            toast(t('breakGlass.done', { seal: name }), 'warn');
            onDone();
          }
        }}
      >
        <Field id={`bg-reason-${seal.id}`} label={t('breakGlass.reason')} error={f.fields.reason} hint={t('breakGlass.reasonHint')}>
          <TextArea id={`bg-reason-${seal.id}`} rows={3} maxLength={500} value={d.reason} placeholder={t('breakGlass.reasonPlaceholder')} onValue={(v) => setD({ ...d, reason: v })} invalid={!!f.fields.reason} />
        </Field>
        <div class="form-row">
          <Field id={`bg-title-${seal.id}`} label={t('breakGlass.docTitle')} error={f.fields.title}>
            <TextInput id={`bg-title-${seal.id}`} maxLength={200} value={d.title} placeholder={t('breakGlass.docTitlePlaceholder')} onValue={(v) => setD({ ...d, title: v })} invalid={!!f.fields.title} />
          </Field>
          <Field id={`bg-matter-${seal.id}`} label={t('seal.field.matter')} error={f.fields.matter}>
            <Select id={`bg-matter-${seal.id}`} value={d.matter} placeholder={t('breakGlass.matterAny')} onValue={(v) => setD({ ...d, matter: v })} options={matterOptions()} />
          </Field>
        </div>
        <div class="form-row">
          <Field id={`bg-uses-${seal.id}`} label={t('breakGlass.uses')} error={f.fields.uses} hint={t('breakGlass.usesHint', { n: BREAK_GLASS_MAX_USES })}>
            <NumberInput id={`bg-uses-${seal.id}`} min={1} max={BREAK_GLASS_MAX_USES} value={d.uses} onValue={(v) => setD({ ...d, uses: v })} invalid={!!f.fields.uses} />
          </Field>
          <Field id={`bg-minutes-${seal.id}`} label={t('breakGlass.minutes')} error={f.fields.minutes} hint={t('breakGlass.minutesHint', { n: BREAK_GLASS_MAX_MIN })}>
            <NumberInput id={`bg-minutes-${seal.id}`} min={1} max={BREAK_GLASS_MAX_MIN} value={d.minutes} onValue={(v) => setD({ ...d, minutes: v })} invalid={!!f.fields.minutes} />
          </Field>
        </div>
        <div class="row-wrap form-actions">
          <Button onClick={onCancel}>{t('common.cancel')}</Button>
          <Button type="submit" variant="danger" icon="emergency" busy={f.busy}>
            {t('breakGlass.submit')}
          </Button>
        </div>
      </Form>
    </div>
  );
}

function SealCard({ s, onChange }: { s: SealState; onChange: () => void }) {
  const [mode, setMode] = useState<'idle' | 'breakGlass'>('idle');
  const [locking, setLocking] = useState(false);
  const name = s.name || s.id;
  const battery: { value: string; tone: Tone | undefined } =
    s.battery === null ? { value: t('sealState.unknown'), tone: undefined } : { value: `${s.battery}%`, tone: s.battery < LOW_BATTERY ? 'critical' : s.battery < 40 ? 'warn' : 'ok' };
  const locked = tri(s.locked, t('sealState.locked'), t('sealState.unlocked'), ['ok', 'info']);
  const sleeve = tri(s.sleeveOpen, t('sealState.sleeveOpen'), t('sealState.sleeveClosed'), ['warn', 'ok']);
  const present = tri(s.sealPresent, t('sealState.present'), t('sealState.removed'), ['ok', 'critical']);
  const clock = tri(s.clockOk, t('sealState.clockOk'), t('sealState.clockBad'), ['ok', 'critical']);
  const problem = s.sealPresent === false || s.clockOk === false || (s.battery !== null && s.battery < LOW_BATTERY);

  const lock = async () => {
    const reason = await confirmDialog({
      title: t('sealCard.lockTitle', { seal: name }),
      message: s.liveGrant ? t('sealCard.lockMessageGrant') : t('sealCard.lockMessage'),
      input: { label: t('sealCard.lockReason'), required: true, maxLength: 500, placeholder: t('sealCard.lockPlaceholder') },
      confirmLabel: t('sealCard.lock'),
      danger: true,
    });
    if (reason === null) return;
    if (reason.length < 2) {
      toast(t('action.reasonTooShort'), 'warn');
      return;
    }
    setLocking(true);
    try {
      await post(`/api/seal/seals/${encodeURIComponent(s.id)}/lock`, { reason });
      toast(s.online ? t('sealCard.locked', { seal: name }) : t('sealCard.lockedOffline', { seal: name }), s.online ? 'ok' : 'warn');
      onChange();
    } catch (e) {
      toast(actionError(e), 'critical');
    } finally {
      setLocking(false);
    }
  };

  return (
    <article class={`card seal-card${s.online ? '' : ' is-offline'}${problem ? ' has-problem' : ''}`} aria-label={name}>
      <header class="seal-card-head">
        <span class="seal-card-icon">
          <Icon name="seal" size={24} />
        </span>
        <span class="seal-card-titles">
          <h2 class="seal-card-title">{name}</h2>
          <span class="muted mono seal-card-id">{s.id}</span>
        </span>
        <StatusBadge status={s.online ? 'ok' : 'offline'} label={s.online ? t('sealState.online') : t('sealState.offline')} />
      </header>
      <div class="seal-card-body">
        <p class="seal-card-seen muted">
          {s.lastSeen ? (
            <>
              {t('sealState.lastSeen')}
              <Ago ms={s.lastSeen} />
            </>
          ) : (
            t('sealState.neverSeen')
          )}
        </p>
        {s.lastSeen !== null && (
          <div class="tiles">
            <Tile icon={s.locked ? 'lock' : 'unlock'} label={t('sealState.lock')} value={locked.value} tone={locked.tone} />
            <Tile icon="battery" label={t('sealState.battery')} value={battery.value} tone={battery.tone} />
            <Tile icon="inbox" label={t('sealState.sleeve')} value={sleeve.value} tone={sleeve.tone} />
            <Tile icon="seal" label={t('sealState.seal')} value={present.value} tone={present.tone} />
            <Tile icon="clock" label={t('sealState.clock')} value={clock.value} tone={clock.tone} />
            <Tile icon="check" label={t('sealState.counter')} value={s.counter === null ? t('sealState.unknown') : t('sealState.counterValue', { n: s.counter })} />
          </div>
        )}
        <div class="seal-card-facts">
          <span>
            {t('sealState.liveGrant')}
            {s.liveGrant ? <Badge tone="info">{t('sealState.liveGrantYes')}</Badge> : <span class="muted">{t('sealState.liveGrantNo')}</span>}
          </span>
          <span>
            {t('sealState.anomalies')}
            {s.anomalies > 0 ? (
              <a class="link-touch" href={href(`/inspector/anomalies?seal=${encodeURIComponent(s.id)}`)}>
                <Badge tone="critical">{t('sealState.anomalyCount', { n: s.anomalies })}</Badge>
              </a>
            ) : (
              <span class="muted">0</span>
            )}
          </span>
        </div>
        {!s.online && <Notice tone="warn">{t('sealCard.offlineNotice')}</Notice>}
        {mode === 'breakGlass' ? (
          <BreakGlassForm
            seal={s}
            onCancel={() => setMode('idle')}
            onDone={() => {
              setMode('idle');
              onChange();
            }}
          />
        ) : (
          <div class="seal-card-actions">
            <Button variant="danger" icon="lock" busy={locking} onClick={lock}>
              {t('sealCard.lock')}
            </Button>
            <Button variant="secondary" icon="emergency" class="btn-emergency" onClick={() => setMode('breakGlass')}>
              {t('breakGlass.open')}
            </Button>
          </div>
        )}
      </div>
    </article>
  );
}

export function ApproverSealsPage() {
  const seals = useApi<{ seals: SealState[] }>('/api/seal/seals');
  usePolling(seals.reload, 5000);
  return (
    <Page title={t('seals.title')} subtitle={t('seals.subtitle')}>
      <Loaded state={seals}>
        {({ seals: list }) =>
          list.length === 0 ? (
            <EmptyState icon="seal" title={t('seals.empty')} hint={t('seals.emptyHint')} />
          ) : (
            <div class="seal-grid">
              {list.map((s) => (
                <SealCard key={s.id} s={s} onChange={seals.reload} />
              ))}
            </div>
          )
        }
      </Loaded>
    </Page>
  );
}
