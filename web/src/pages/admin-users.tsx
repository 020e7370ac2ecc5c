/**
 * 用户 (admin): who can log in, and as what (GET /api/admin/users). 添加用户 adds a person (name,
 * display name, role, password twice); for each person: change the role, reset the password,
 * disable / enable the account — each confirmed first. The gateway ends the person's sessions on a
 * role change or when disabled, refuses to disable the signed-in admin and keeps the last admin.
 */
import { useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { ApiError, fieldErrors, post, ROLES, type Role } from '../api.js';
import { formatRelative } from '../format.js';
import { useSession } from '../session.js';
import {
  Badge,
  Button,
  Card,
  confirmDialog,
  DataTable,
  Field,
  FieldMessage,
  FormDialog,
  Loaded,
  Notice,
  Page,
  RefreshButton,
  PasswordInput,
  TextInput,
  toast,
  useApi,
  useNow,
  useSubmit,
  type Column,
  type Tone,
} from '../ui/index.js';

export interface User {
  name: string;
  role: Role;
  displayName?: string;
  disabled: boolean;
  addedAt: number | null;
  addedBy: string | null;
}

const ROLE_TONE: Record<Role, Tone> = {
  keeper: 'neutral',
  approver: 'info',
  inspector: 'warn',
  maintainer: 'ok',
  admin: 'critical',
};
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const MIN_PASSWORD = 8;

/** The role in words (文书, 书记(审批), …) as a coloured label. */
export function RoleBadge({ role }: { role: Role }) {
  return <Badge tone={ROLE_TONE[role]}>{t(`role.${role}`)}</Badge>;
}

const who = (u: Pick<User, 'name' | 'displayName'>) => u.displayName || u.name;

/** The roles as large radio buttons, each with what the role does. */
function RoleChoice(props: { id: string; value: Role | ''; onValue: (r: Role) => void; error?: string | undefined; label: string }) {
  return (
    <fieldset class={`field role-choice${props.error ? ' has-error' : ''}`} id={props.id} aria-describedby={`${props.id}-msg`}>
      <legend class="field-label">{props.label}</legend>
      <div class="role-options" role="radiogroup" aria-label={props.label}>
        {ROLES.map((r) => (
          <label key={r} class={`role-option${props.value === r ? ' is-on' : ''}`}>
            <input type="radio" name={props.id} value={r} checked={props.value === r} onChange={() => props.onValue(r)} />
            <span class="role-option-text">
              <span class="role-option-name">{t(`role.${r}`)}</span>
              <span class="role-option-desc muted">{t(`roleDesc.${r}`)}</span>
            </span>
          </label>
        ))}
      </div>
      <FieldMessage id={props.id} error={props.error} />
    </fieldset>
  );
}

/** The API's refusals of a user form on the field they concern. */
function userFieldErrors(e: unknown): Record<string, string> {
  if (!(e instanceof ApiError)) return {};
  if (e.code === 'invalid_request') return fieldErrors(e);
  if (e.code === 'duplicate_id') return { name: t('addUser.nameTaken') };
  if (e.code === 'weak_password') return { password: t('addUser.passwordShort', { n: MIN_PASSWORD }) };
  return {};
}

function checkPasswords(p1: string, p2: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!p1) out.password = t('field.required');
  else if (p1.length < MIN_PASSWORD) out.password = t('addUser.passwordShort', { n: MIN_PASSWORD });
  else if (p1.length > 256) out.password = t('field.maxLength', { n: 256 });
  if (!p2) out.password2 = t('addUser.passwordAgain');
  else if (p1 && p2 !== p1) out.password2 = t('addUser.passwordMismatch');
  return out;
}

function AddUserModal({ users, onClose, onAdded }: { users: User[]; onClose: () => void; onAdded: () => void }) {
  const [d, setD] = useState({ name: '', displayName: '', role: '' as Role | '', password: '', password2: '' });
  const set = (p: Partial<typeof d>) => setD({ ...d, ...p });
  const f = useSubmit(
    () => {
      const body: Record<string, unknown> = { name: d.name.trim(), role: d.role, password: d.password };
      if (d.displayName.trim()) body.displayName = d.displayName.trim();
      return post<{ user: User }>('/api/admin/users', body);
    },
    () => {
      const name = d.name.trim();
      const out: Record<string, string> = {};
      if (!name) out.name = t('field.required');
      else if (!NAME_PATTERN.test(name)) out.name = t('addUser.namePattern');
      else if (users.some((u) => u.name === name)) out.name = t('addUser.nameTaken');
      if (d.displayName.length > 100) out.displayName = t('field.maxLength', { n: 100 });
      if (!d.role) out.role = t('addUser.chooseRole');
      return { ...out, ...checkPasswords(d.password, d.password2) };
    },
    userFieldErrors,
  );
  const submit = async () => {
    const r = await f.submit();
    if (!r) return;
    toast(t('addUser.added', { name: who(r.user), role: t(`role.${r.user.role}`) }), 'ok', 8000);
    onAdded();
    onClose();
  };
  return (
    <FormDialog title={t('addUser.title')} onClose={onClose} form={f} onSubmit={submit} submitLabel={t('addUser.submit')} icon="plus">
      <div class="form-row">
        <Field id="user-display" label={t('addUser.displayName')} error={f.fields.displayName} hint={t('addUser.displayNameHint')}>
          <TextInput id="user-display" value={d.displayName} maxLength={100} placeholder={t('addUser.displayNamePlaceholder')} onValue={(v) => set({ displayName: v })} invalid={!!f.fields.displayName} />
        </Field>
        <Field id="user-name" label={t('addUser.name')} error={f.fields.name} hint={t('addUser.nameHint')}>
          <TextInput id="user-name" value={d.name} maxLength={64} autoComplete="off" autoCapitalize="off" spellcheck={false} placeholder="wang" onValue={(v) => set({ name: v })} invalid={!!f.fields.name} />
        </Field>
      </div>
      <RoleChoice id="user-role" label={t('addUser.role')} value={d.role} onValue={(r) => set({ role: r })} error={f.fields.role} />
      <div class="form-row">
        <Field id="user-password" label={t('addUser.password')} error={f.fields.password} hint={t('addUser.passwordHint', { n: MIN_PASSWORD })}>
          <PasswordInput id="user-password" value={d.password} autoComplete="new-password" maxLength={256} onValue={(v) => set({ password: v })} invalid={!!f.fields.password} />
        </Field>
        <Field id="user-password2" label={t('addUser.password2')} error={f.fields.password2}>
          <PasswordInput id="user-password2" value={d.password2} autoComplete="new-password" maxLength={256} onValue={(v) => set({ password2: v })} invalid={!!f.fields.password2} />
        </Field>
      </div>
    </FormDialog>
  );
}

function RoleModal({ user, onClose, onDone }: { user: User; onClose: () => void; onDone: () => void }) {
  const [role, setRole] = useState<Role | ''>(user.role);
  const f = useSubmit(
    () => post<{ user: User }>(`/api/admin/users/${encodeURIComponent(user.name)}/role`, { role }),
    (): Record<string, string> => (role === user.role ? { role: t('roleChange.same') } : {}),
  );
  const submit = async () => {
    const r = await f.submit();
    if (!r) return;
    toast(t('roleChange.done', { name: who(user), role: t(`role.${r.user.role}`) }), 'ok', 6000);
    onDone();
    onClose();
  };
  return (
    <FormDialog
      title={t('roleChange.title', { name: who(user) })}
      onClose={onClose}
      form={f}
      onSubmit={submit}
      submitLabel={t('roleChange.submit')}
      icon="check"
      lead={<Notice tone="info">{t('roleChange.notice', { name: who(user) })}</Notice>}
    >
      <p class="muted role-current">
        {t('roleChange.current')}
        <RoleBadge role={user.role} />
      </p>
      <RoleChoice id="role-new" label={t('roleChange.new')} value={role} onValue={setRole} error={f.fields.role} />
    </FormDialog>
  );
}

function PasswordModal({ user, self, onClose }: { user: User; self: boolean; onClose: () => void }) {
  const [d, setD] = useState({ password: '', password2: '' });
  const f = useSubmit(
    () => post<{ user: User }>(`/api/admin/users/${encodeURIComponent(user.name)}/password`, { password: d.password }),
    () => checkPasswords(d.password, d.password2),
    userFieldErrors,
  );
  const submit = async () => {
    const r = await f.submit();
    if (!r) return;
    toast(t('passwordReset.done', { name: who(user) }), 'ok', 6000);
    onClose();
  };
  return (
    <FormDialog
      title={t('passwordReset.title', { name: who(user) })}
      onClose={onClose}
      form={f}
      onSubmit={submit}
      submitLabel={t('passwordReset.submit')}
      icon="key"
      lead={<Notice tone="info">{self ? t('passwordReset.noticeSelf') : t('passwordReset.notice', { name: who(user) })}</Notice>}
    >
      <Field id="reset-password" label={t('passwordReset.new')} error={f.fields.password} hint={t('addUser.passwordHint', { n: MIN_PASSWORD })}>
        <PasswordInput id="reset-password" value={d.password} autoComplete="new-password" maxLength={256} onValue={(v) => setD({ ...d, password: v })} invalid={!!f.fields.password} />
      </Field>
      <Field id="reset-password2" label={t('addUser.password2')} error={f.fields.password2}>
        <PasswordInput id="reset-password2" value={d.password2} autoComplete="new-password" maxLength={256} onValue={(v) => setD({ ...d, password2: v })} invalid={!!f.fields.password2} />
      </Field>
    </FormDialog>
  );
}

type Open = { kind: 'add' } | { kind: 'role'; user: User } | { kind: 'password'; user: User } | null;

export function UsersPage() {
  const { me } = useSession();
  const state = useApi<{ users: User[] }>('/api/admin/users');
  const [open, setOpen] = useState<Open>(null);
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const now = useNow(60_000);

  const toggle = async (u: User) => {
    let reason: string | null | boolean;
    if (u.disabled) {
      reason = await confirmDialog({ title: t('disable.enableTitle', { name: who(u) }), message: t('disable.enableMessage', { name: who(u) }), confirmLabel: t('disable.enable') });
      if (!reason) return;
    } else {
      reason = await confirmDialog({
        title: t('disable.title', { name: who(u) }),
        message: t('disable.message', { name: who(u) }),
        input: { label: t('disable.reason'), placeholder: t('disable.reasonPlaceholder'), maxLength: 200 },
        confirmLabel: t('disable.disable'),
        danger: true,
      });
      if (reason === null) return;
    }
    setBusy(u.name);
    try {
      if (u.disabled) await post(`/api/admin/users/${encodeURIComponent(u.name)}/enable`, {});
      else await post(`/api/admin/users/${encodeURIComponent(u.name)}/disable`, typeof reason === 'string' && reason ? { reason } : {});
      toast(u.disabled ? t('disable.enabled', { name: who(u) }) : t('disable.disabled', { name: who(u) }), u.disabled ? 'ok' : 'warn', 6000);
      state.reload();
    } catch (e) {
      toast(e instanceof ApiError && e.code in ACTION_ERRORS ? t(ACTION_ERRORS[e.code]!) : t('users.actionFailed', { message: e instanceof Error ? e.message : String(e) }), 'critical');
    } finally {
      setBusy(undefined);
    }
  };

  const actions = (u: User) => (
    <span class="user-actions">
      <Button small icon="users" onClick={() => setOpen({ kind: 'role', user: u })}>
        {t('users.changeRole')}
      </Button>
      <Button small icon="key" onClick={() => setOpen({ kind: 'password', user: u })}>
        {t('users.resetPassword')}
      </Button>
      {u.name !== me.name && (
        <Button small class={u.disabled ? undefined : 'btn-danger-text'} icon={u.disabled ? 'unlock' : 'lock'} busy={busy === u.name} onClick={() => void toggle(u)}>
          {u.disabled ? t('disable.enable') : t('disable.disable')}
        </Button>
      )}
    </span>
  );

  const columns: Column<User>[] = [
    {
      key: 'displayName',
      label: t('users.col.displayName'),
      primary: true,
      render: (u) => (
        <>
          {who(u)}
          {u.name === me.name && (
            <>
              {' '}
              <Badge tone="info">{t('users.you')}</Badge>
            </>
          )}
        </>
      ),
    },
    { key: 'name', label: t('users.col.name'), mono: true },
    { key: 'role', label: t('users.col.role'), render: (u) => <RoleBadge role={u.role} /> },
    {
      key: 'state',
      label: t('users.col.state'),
      render: (u) => (u.disabled ? <Badge tone="offline">{t('users.state.disabled')}</Badge> : <Badge tone="ok">{t('users.state.active')}</Badge>),
    },
    {
      key: 'added',
      label: t('users.col.added'),
      hideOnPhone: true,
      render: (u) => (u.addedAt ? <span title={new Date(u.addedAt).toLocaleString()}>{formatRelative(u.addedAt, now)}</span> : <span class="muted">—</span>),
    },
    { key: 'actions', label: t('users.col.actions'), align: 'right', render: actions },
  ];
  return (
    <Page
      title={t('users.title')}
      subtitle={t('users.subtitle')}
      actions={
        <>
          <RefreshButton state={state} />
          <Button variant="primary" icon="plus" onClick={() => setOpen({ kind: 'add' })} disabled={!state.data}>
            {t('addUser.open')}
          </Button>
        </>
      }
    >
      <Loaded state={state}>
        {({ users }) => (
          <>
            <Card flush title={t('common.total', { n: users.length })}>
              <div class="card-sub" aria-label={t('users.byRole')}>
                {ROLES.map((r) => (
                  <span class="count-chip" key={r}>
                    {t(`role.${r}`)} <strong>{users.filter((u) => u.role === r && !u.disabled).length}</strong>
                  </span>
                ))}
                {users.some((u) => u.disabled) && (
                  <span class="count-chip count-chip-off">
                    {t('users.state.disabled')} <strong>{users.filter((u) => u.disabled).length}</strong>
                  </span>
                )}
              </div>
              <DataTable
                label={t('users.title')}
                columns={columns}
                rows={users}
                rowKey={(u) => u.name}
                rowTone={(u) => (u.disabled ? 'offline' : u.name === me.name ? 'self' : undefined)}
                empty={{ title: t('users.empty'), hint: t('users.emptyHint') }}
              />
            </Card>
          </>
        )}
      </Loaded>
      {open?.kind === 'add' && state.data && <AddUserModal users={state.data.users} onClose={() => setOpen(null)} onAdded={state.reload} />}
      {open?.kind === 'role' && <RoleModal user={open.user} onClose={() => setOpen(null)} onDone={state.reload} />}
      {open?.kind === 'password' && <PasswordModal user={open.user} self={open.user.name === me.name} onClose={() => setOpen(null)} />}
    </Page>
  );
}

/** Refusals of the disable/enable buttons, in words. */
const ACTION_ERRORS: Record<string, 'error.last_admin' | 'error.self_disable' | 'error.not_found'> = {
  last_admin: 'error.last_admin',
  self_disable: 'error.self_disable',
  not_found: 'error.not_found',
};
