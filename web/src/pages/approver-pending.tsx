/**
 * 待审批 (approver): the requests waiting for my decision, oldest first, each with everything
 * needed to decide (who, seal, matter, title, count, window, when filed, escalated); approve or
 * reject with a reason. Below: the grants in use, which I can revoke. Polled every few seconds.
 */
import { useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { Ago, Badge, Button, Card, DataTable, EmptyState, Icon, KeyValues, Loaded, Page, Stat, Stats, useApi, usePolling, type Column } from '../ui/index.js';
import {
  approveRequest,
  grantStateLabel,
  matterLabel,
  PersonName,
  RequestDetailPage,
  rejectRequest,
  revokeGrant,
  useNames,
  When,
  windowText,
  type Names,
  type Paged,
  type SealRequest,
} from './seal-common.js';

function DecisionCard({ r, names, onDone }: { r: SealRequest; names: Names; onDone: () => void }) {
  const [busy, setBusy] = useState<'approve' | 'reject' | undefined>(undefined);
  const act = async (which: 'approve' | 'reject') => {
    setBusy(which);
    try {
      const ok = which === 'approve' ? await approveRequest(r, names) : await rejectRequest(r, names);
      if (ok) onDone();
    } finally {
      setBusy(undefined);
    }
  };
  const seal = names.seals?.find((s) => s.id === r.seal);
  return (
    <article class={`card decision${r.escalated ? ' decision-escalated' : ''}`} aria-label={r.title}>
      <header class="decision-head">
        <div class="decision-titles">
          <h2 class="decision-title">{r.title}</h2>
          <div class="decision-badges">
            <Badge tone="info">{matterLabel(r.matter)}</Badge>
            <Badge>{t('approver.countBadge', { n: r.count })}</Badge>
            {r.escalated && <Badge tone="warn">{t('approver.escalated')}</Badge>}
          </div>
        </div>
        <span class="decision-when">
          <When ms={r.ts} />
        </span>
      </header>
      <div class="decision-body">
        {r.escalated && <p class="decision-escalated-note">{t('approver.escalatedNote', { who: names.person(r.requester) })}</p>}
        <KeyValues
          items={[
            { label: t('seal.field.requester'), value: <PersonName name={r.requester} names={names} /> },
            {
              label: t('seal.field.seal'),
              value: (
                <>
                  {names.seal(r.seal)}
                  {seal && !seal.online && <span class="text-warn"> · {t('approver.sealOffline')}</span>}
                </>
              ),
            },
            { label: t('seal.field.count'), value: t('approver.countValue', { n: r.count }) },
            { label: t('seal.field.window'), value: windowText(r.notBefore, r.notAfter) },
            ...(r.note ? [{ label: t('seal.field.note'), value: r.note }] : []),
            { label: t('seal.field.id'), value: r.id, mono: true },
          ]}
        />
      </div>
      <footer class="decision-actions">
        <Button variant="ghost" onClick={() => navigate(`/approver/pending/${encodeURIComponent(r.id)}`)}>
          {t('approver.details')}
        </Button>
        <Button variant="danger" icon="close" busy={busy === 'reject'} disabled={busy === 'approve'} onClick={() => act('reject')}>
          {t('action.reject')}
        </Button>
        <Button variant="primary" icon="check" busy={busy === 'approve'} disabled={busy === 'reject'} onClick={() => act('approve')}>
          {t('action.approve')}
        </Button>
      </footer>
    </article>
  );
}

export function ApproverPendingPage() {
  const names = useNames();
  const queue = useApi<{ items: SealRequest[] }>('/api/seal/queue');
  const granted = useApi<Paged<SealRequest>>('/api/seal/requests?state=granted&pageSize=100');
  const approved = useApi<Paged<SealRequest>>('/api/seal/requests?state=approved&pageSize=100');
  const reloadAll = () => {
    queue.reload();
    granted.reload();
    approved.reload();
  };
  usePolling(reloadAll, 5000);
  const [revoking, setRevoking] = useState<string | undefined>(undefined);

  const active = [...(approved.data?.items ?? []), ...(granted.data?.items ?? [])].sort((a, b) => a.notAfter - b.notAfter);
  const items = queue.data?.items ?? [];
  const offline = (names.seals ?? []).filter((s) => !s.online).length;

  const columns: Column<SealRequest>[] = [
    {
      key: 'title',
      label: t('seal.field.title'),
      primary: true,
      render: (r) => (
        <span class="req-title">
          <span>{r.title}</span>
          <span class="muted req-sub">
            {names.seal(r.seal)} · <PersonName name={r.requester} names={names} />
            {r.breakGlass && <> · {t('approver.breakGlassTag')}</>}
          </span>
        </span>
      ),
    },
    { key: 'used', label: t('approver.col.used'), render: (r) => <span class="num">{t('keeper.stampsOf', { made: r.stamps, count: r.count })}</span> },
    {
      key: 'window',
      label: t('seal.field.window'),
      render: (r) => (
        <span class="when">
          <span class="nowrap">{windowText(r.notBefore, r.notAfter)}</span>
          <span class="when-exact">
            {t('approver.until')} <Ago ms={r.notAfter} />
          </span>
        </span>
      ),
    },
    {
      key: 'grantState',
      label: t('approver.col.grantState'),
      render: (r) => <Badge tone={r.grantState === 'acked' ? 'ok' : 'warn'}>{grantStateLabel(r.grantState)}</Badge>,
    },
    {
      key: 'actions',
      label: t('keeper.col.actions'),
      align: 'right',
      render: (r) => (
        <Button
          small
          variant="danger"
          icon="lock"
          busy={revoking === r.id}
          onClick={async (e: Event) => {
            e.stopPropagation();
            setRevoking(r.id);
            try {
              if (await revokeGrant(r, names)) reloadAll();
            } finally {
              setRevoking(undefined);
            }
          }}
        >
          {t('action.revoke')}
        </Button>
      ),
    },
  ];

  return (
    <Page title={t('approver.title')} subtitle={t('approver.subtitle')}>
      <Stats>
        <Stat icon="pending" label={t('approver.stat.pending')} value={queue.data ? items.length : '…'} tone={items.length ? 'warn' : 'ok'} />
        <Stat icon="users" label={t('approver.stat.escalated')} value={queue.data ? items.filter((r) => r.escalated).length : '…'} />
        <Stat icon="unlock" label={t('approver.stat.active')} value={granted.data && approved.data ? active.length : '…'} />
        <Stat icon="seal" label={t('approver.stat.offline')} value={names.seals ? offline : '…'} tone={offline ? 'offline' : 'ok'} />
      </Stats>
      <section aria-label={t('approver.queue')}>
        <h2 class="section-title">
          <Icon name="pending" size={20} />
          {t('approver.queue')}
          {items.length > 0 && <span class="section-count">{items.length}</span>}
        </h2>
        <Loaded state={queue}>
          {(q) =>
            q.items.length === 0 ? (
              <Card class="queue-empty">
                <EmptyState icon="check" title={t('approver.empty')} hint={t('approver.emptyHint')} />
              </Card>
            ) : (
              <div class="decision-list">
                {q.items.map((r) => (
                  <DecisionCard key={r.id} r={r} names={names} onDone={reloadAll} />
                ))}
              </div>
            )
          }
        </Loaded>
      </section>
      <Card flush title={t('approver.active')} icon="unlock">
        <Loaded state={granted}>
          {() => (
            <DataTable
              label={t('approver.active')}
              columns={columns}
              rows={active}
              rowKey={(r) => r.id}
              onRowClick={(r) => navigate(`/approver/pending/${encodeURIComponent(r.id)}`)}
              rowTone={(r) => (r.breakGlass ? 'critical' : undefined)}
              empty={{ title: t('approver.activeEmpty'), hint: t('approver.activeEmptyHint') }}
            />
          )}
        </Loaded>
      </Card>
    </Page>
  );
}

export function ApproverRequestPage({ id }: { id: string }) {
  return <RequestDetailPage id={id} back={{ path: '/approver/pending', label: 'approver.back' }} />;
}
