/**
 * Maintenance visits (维保, TSG T5002): start one (the lift goes into maintenance mode — the pages
 * say so before and after), close it with the items done, and a lift's schedule at a glance.
 */
import { useState } from 'preact/hooks';
import { post } from '../api.js';
import { t, tList } from '../i18n.js';
import { formatDate } from '../format.js';
import {
  Ago,
  Badge,
  Button,
  Card,
  CheckList,
  Field,
  Form,
  Modal,
  Notice,
  Select,
  TextArea,
  TextInput,
  toast,
  useNow,
  useSubmit,
  type Tone,
} from '../ui/index.js';
import { liftName, VISIT_TYPES, visitTypeName, type LiftState, type ScheduleEntry, type Visit, type VisitType } from './lift-common.js';

const DAY = 86_400_000;

/** The maintenance items of a visit type: a longer visit includes those of the shorter ones. */
export function visitItems(type: VisitType): string[] {
  const upTo = VISIT_TYPES.indexOf(type);
  return VISIT_TYPES.slice(0, upTo + 1).flatMap((v) => tList(`visitItems.${v}`));
}

/** The visit to start: the longest type that is due or overdue (it covers the shorter ones). */
export function defaultVisitType(schedule: ScheduleEntry[]): VisitType {
  const due = schedule.filter((s) => s.status !== 'ok').map((s) => s.type);
  return [...VISIT_TYPES].reverse().find((v) => due.includes(v)) ?? 'half_monthly';
}

export function scheduleTone(s: ScheduleEntry['status']): Tone {
  return s === 'overdue' ? 'critical' : s === 'due' ? 'warn' : 'ok';
}

export function ScheduleBadge(props: { status: ScheduleEntry['status'] }) {
  return <Badge tone={scheduleTone(props.status)}>{t(`visitStatus.${props.status}`)}</Badge>;
}

/** "已逾期 3 天" / "今天到期" / "5 天后到期": calendar days in the site's time zone. */
export function dueText(dueAt: number, now: number): string {
  const day = (ms: number) => Date.parse(`${formatDate(ms)}T00:00:00Z`);
  const days = Math.round((day(dueAt) - day(now)) / DAY);
  if (days < 0 || (days === 0 && dueAt < now)) return t('visit.overdueBy', { n: Math.max(1, -days) });
  if (days === 0) return t('visit.dueToday');
  return t('visit.dueIn', { n: days });
}

const splitNames = (s: string): string[] =>
  s
    .split(/[,，、;；\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);

/** 开始维保: type, who, a note; a clear warning that the lift goes into maintenance mode. */
export function StartVisitModal(props: { lift: Pick<LiftState, 'lift' | 'name'>; type?: VisitType; onClose: () => void; onDone: (v: Visit) => void }) {
  const [type, setType] = useState<VisitType>(props.type ?? 'half_monthly');
  const [techs, setTechs] = useState('');
  const [note, setNote] = useState('');
  const name = liftName(props.lift);
  const f = useSubmit(
    () => {
      const body: Record<string, unknown> = { type };
      const names = splitNames(techs);
      if (names.length) body.technicians = names.slice(0, 20);
      if (note.trim()) body.note = note.trim();
      return post<Visit>(`/api/lifts/${encodeURIComponent(props.lift.lift)}/maintenance/visits`, body);
    },
    (): Record<string, string> => (splitNames(techs).some((n) => n.length > 100) ? { technicians: t('field.maxLength', { n: 100 }) } : {}),
  );
  const submit = async () => {
    const v = await f.submit();
    if (v) {
      toast(t('visit.started', { lift: name }), 'info', 8000);
      props.onDone(v);
    }
  };
  return (
    <Modal
      title={t('visit.startTitle', { lift: name })}
      onClose={props.onClose}
      actions={
        <>
          <Button onClick={props.onClose}>{t('common.cancel')}</Button>
          <Button variant="primary" icon="wrench" busy={f.busy} onClick={submit}>
            {t('visit.start')}
          </Button>
        </>
      }
    >
      <Notice tone="warn">{t('visit.modeWarning', { lift: name })}</Notice>
      <Form onSubmit={submit} error={f.error} label={t('visit.startTitle', { lift: name })}>
        <Field id="visit-type" label={t('visit.type')} error={f.fields.type}>
          <Select id="visit-type" value={type} onValue={setType} options={VISIT_TYPES.map((v) => ({ value: v, label: visitTypeName(v) }))} />
        </Field>
        <Field id="visit-techs" label={t('visit.technicians')} error={f.fields.technicians} hint={t('visit.techniciansHint')}>
          <TextInput id="visit-techs" value={techs} onValue={setTechs} placeholder={t('visit.techniciansPlaceholder')} maxLength={400} />
        </Field>
        <Field id="visit-note" label={t('visit.noteOptional')} error={f.fields.note}>
          <TextArea id="visit-note" rows={2} value={note} onValue={setNote} maxLength={2000} />
        </Field>
      </Form>
    </Modal>
  );
}

/** 结束维保: tick off the items done (all of the visit type's by default unticked), other items, the result. */
export function CloseVisitModal(props: { visit: Visit; liftLabel: string; onClose: () => void; onDone: (v: Visit) => void }) {
  const items = visitItems(props.visit.type);
  const [checked, setChecked] = useState<string[]>([]);
  const [other, setOther] = useState('');
  const [result, setResult] = useState<'ok' | 'issues_found'>('ok');
  const [note, setNote] = useState('');
  const extra = () =>
    other
      .split(/[,，、;；\n]+/)
      .map((x) => x.trim())
      .filter(Boolean);
  const f = useSubmit(
    () => {
      const body: Record<string, unknown> = { items: [...checked, ...extra()].slice(0, 200), result };
      if (note.trim()) body.note = note.trim();
      return post<Visit>(`/api/lifts/maintenance/visits/${encodeURIComponent(props.visit.visitId)}/close`, body);
    },
    () => {
      const out: Record<string, string> = {};
      if (checked.length + extra().length === 0) out.items = t('visit.itemsRequired');
      if (result === 'issues_found' && !note.trim()) out.note = t('visit.issuesRequired');
      return out;
    },
  );
  const submit = async () => {
    const v = await f.submit();
    if (v) {
      toast(t('visit.closed', { lift: props.liftLabel }), 'ok');
      props.onDone(v);
    }
  };
  return (
    <Modal
      wide
      title={t('visit.closeTitle', { lift: props.liftLabel })}
      onClose={props.onClose}
      actions={
        <>
          <Button onClick={props.onClose}>{t('common.cancel')}</Button>
          <Button variant="primary" icon="check" busy={f.busy} onClick={submit}>
            {t('visit.close')}
          </Button>
        </>
      }
    >
      <p class="lift-visit-meta muted">
        {visitTypeName(props.visit.type)} · {t('visit.openedAt')} <Ago ms={props.visit.openedAt} />
        {props.visit.technicians.length > 0 && <> · {props.visit.technicians.join(t('common.listSep'))}</>}
      </p>
      <Form onSubmit={submit} error={Object.keys(f.fields).length ? undefined : f.error} label={t('visit.closeTitle', { lift: props.liftLabel })}>
        <CheckList
          id="visit-items"
          legend={t('visit.items', { n: checked.length, total: items.length })}
          items={items}
          checked={checked}
          onChange={(c) => {
            setChecked(c);
            if (f.fields.items) f.clear();
          }}
          error={f.fields.items}
        />
        <Field id="visit-other" label={t('visit.otherItems')} hint={t('visit.otherItemsHint')}>
          <TextInput
            id="visit-other"
            value={other}
            onValue={(v) => {
              setOther(v);
              if (f.fields.items) f.clear();
            }}
            maxLength={1000}
          />
        </Field>
        <Field id="visit-result" label={t('visit.result')}>
          <Select
            id="visit-result"
            value={result}
            onValue={setResult}
            options={[
              { value: 'ok', label: t('visitResult.ok') },
              { value: 'issues_found', label: t('visitResult.issues_found') },
            ]}
          />
        </Field>
        <Field id="visit-close-note" label={result === 'issues_found' ? t('visit.issues') : t('visit.noteOptional')} error={f.fields.note}>
          <TextArea id="visit-close-note" rows={2} value={note} onValue={setNote} maxLength={2000} invalid={!!f.fields.note} />
        </Field>
        <p class="muted lift-visit-after">{t('visit.afterClose', { lift: props.liftLabel })}</p>
      </Form>
    </Modal>
  );
}

/** The maintenance card of one lift: the open visit (maintenance mode), each visit type's next date, the last visit. */
export function MaintenanceStatus(props: { lift: LiftState; schedule: ScheduleEntry[]; visits: Visit[]; onChange: () => void }) {
  const [modal, setModal] = useState<'start' | 'close' | null>(null);
  const now = useNow(60_000);
  const open = props.visits.find((v) => v.open);
  const last = props.visits.find((v) => !v.open);
  const name = liftName(props.lift);
  const worst = props.schedule.find((s) => s.status === 'overdue') ?? props.schedule.find((s) => s.status === 'due');
  return (
    <Card
      title={t('visit.cardTitle')}
      icon="calendar"
      tone={open ? 'info' : worst?.status === 'overdue' ? 'critical' : worst ? 'warn' : 'default'}
      actions={
        open ? (
          <Button small variant="primary" icon="check" onClick={() => setModal('close')}>
            {t('visit.close')}
          </Button>
        ) : (
          <Button small icon="wrench" onClick={() => setModal('start')}>
            {t('visit.start')}
          </Button>
        )
      }
    >
      {open && (
        <Notice tone="info">
          <strong>{t('visit.inProgress', { type: visitTypeName(open.type) })}</strong>
          <br />
          {t('visit.inProgressSince')} <Ago ms={open.openedAt} />
          {open.technicians.length > 0 && <> · {open.technicians.join(t('common.listSep'))}</>}
          <br />
          {t('visit.modeNow')}
        </Notice>
      )}
      <ul class="lift-sched">
        {props.schedule.map((s) => (
          <li key={s.type} class={`lift-sched-row lift-sched-${s.status}`}>
            <span class="lift-sched-type">{visitTypeName(s.type)}</span>
            <span class="lift-sched-due">
              {formatDate(s.dueAt)}
              <span class="muted"> · {dueText(s.dueAt, now)}</span>
            </span>
            <ScheduleBadge status={s.status} />
          </li>
        ))}
      </ul>
      <p class="lift-sched-last muted">
        {last
          ? t('visit.lastVisit', { date: formatDate(last.closedAt ?? last.openedAt), type: visitTypeName(last.type), who: last.technicians.join(t('common.listSep')) || (last.closedBy ?? '—') })
          : t('visit.noVisits')}
      </p>
      {modal === 'start' && (
        <StartVisitModal
          lift={props.lift}
          type={defaultVisitType(props.schedule)}
          onClose={() => setModal(null)}
          onDone={() => {
            setModal(null);
            props.onChange();
          }}
        />
      )}
      {modal === 'close' && open && (
        <CloseVisitModal
          visit={open}
          liftLabel={name}
          onClose={() => setModal(null)}
          onDone={() => {
            setModal(null);
            props.onChange();
          }}
        />
      )}
    </Card>
  );
}
