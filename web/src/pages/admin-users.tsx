/** 用户: who can log in, and as what (GET /api/admin/users). */
import { t } from '../i18n.js';
import { ROLES, type Role } from '../api.js';
import { useSession } from '../session.js';
import { Badge, Button, Card, DataTable, Loaded, Page, useApi, type Column, type Tone } from '../ui/index.js';

export interface User {
  name: string;
  role: Role;
  displayName?: string;
}

const ROLE_TONE: Record<Role, Tone> = {
  keeper: 'neutral',
  approver: 'info',
  inspector: 'warn',
  maintainer: 'ok',
  admin: 'critical',
};

/** The role in words (文书, 书记(审批), …) as a coloured label. */
export function RoleBadge({ role }: { role: Role }) {
  return <Badge tone={ROLE_TONE[role]}>{t(`role.${role}`)}</Badge>;
}

export function UsersPage() {
  const { me } = useSession();
  const state = useApi<{ users: User[] }>('/api/admin/users');
  const columns: Column<User>[] = [
    {
      key: 'displayName',
      label: t('users.col.displayName'),
      primary: true,
      render: (u) => (
        <>
          {u.displayName || u.name}
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
  ];
  return (
    <Page
      title={t('users.title')}
      subtitle={t('users.subtitle')}
      actions={
        <Button icon="refresh" onClick={state.reload} busy={state.loading && state.data !== undefined}>
          {t('common.refresh')}
        </Button>
      }
    >
      <Loaded state={state}>
        {({ users }) => (
          <>
            <Card flush title={t('common.total', { n: users.length })}>
              <div class="card-sub" aria-label={t('users.byRole')}>
                {ROLES.map((r) => (
                  <span class="count-chip" key={r}>
                    {t(`role.${r}`)} <strong>{users.filter((u) => u.role === r).length}</strong>
                  </span>
                ))}
              </div>
              <DataTable
                label={t('users.title')}
                columns={columns}
                rows={users}
                rowKey={(u) => u.name}
                rowTone={(u) => (u.name === me.name ? 'self' : undefined)}
                empty={{
                  title: t('users.empty'),
                  hint: (
                    <>
                      {t('users.emptyHint')}
                      <code class="cmd">echo "PASSWORD" | sealift user add wang --role keeper --display-name 王文书</code>
                    </>
                  ),
                }}
              />
            </Card>
          </>
        )}
      </Loaded>
    </Page>
  );
}
