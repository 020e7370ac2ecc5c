/** 配置: the configuration the gateway runs with, read-only, secrets hidden (GET /api/admin/config). */
import { isKey, t, type Key } from '../i18n.js';
import { Badge, CollapsibleCard, KeyValues, Loaded, Notice, Page, useApi } from '../ui/index.js';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
const REDACTED = '••••';

/** `{ a: { b: 1 } }` → `[['a.b', 1]]` */
function leaves(obj: Json, prefix = ''): [string, Json][] {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return [[prefix, obj]];
  const out: [string, Json][] = [];
  for (const [k, v] of Object.entries(obj)) out.push(...leaves(v, prefix ? `${prefix}.${k}` : k));
  return out;
}

function Value({ v }: { v: Json }) {
  if (v === REDACTED) return <span class="muted redacted">{REDACTED}</span>;
  if (typeof v === 'boolean') return <Badge tone={v ? 'ok' : 'neutral'}>{v ? t('common.yes') : t('common.no')}</Badge>;
  if (v === null || v === '') return <span class="muted">—</span>;
  if (Array.isArray(v)) return <>{v.length ? v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ') : '—'}</>;
  return <>{String(v)}</>;
}

function sectionTitle(name: string): string {
  const key = `config.section.${name}`;
  return isKey(key) ? t(key as Key) : name;
}

export function ConfigPage() {
  const state = useApi<{ config: Record<string, Json> }>('/api/admin/config');
  return (
    <Page title={t('config.title')} subtitle={t('config.subtitle')}>
      <Notice tone="info">{t('config.readonly')}</Notice>
      <Loaded state={state}>
        {({ config }) => {
          const top = Object.entries(config).filter(([, v]) => v === null || typeof v !== 'object' || Array.isArray(v));
          const sections = Object.entries(config).filter(([, v]) => v !== null && typeof v === 'object' && !Array.isArray(v));
          // A desktop shows every section; a phone starts with the first two and folds the rest.
          const wide = window.matchMedia('(min-width: 761px)').matches;
          return (
            <div class="grid-2">
              {top.length > 0 && (
                <CollapsibleCard title={sectionTitle('top')} meta={t('config.count', { n: top.length })} defaultOpen>
                  <KeyValues items={top.map(([k, v]) => ({ label: <code>{k}</code>, value: <Value v={v} />, mono: true }))} />
                </CollapsibleCard>
              )}
              {sections.map(([name, v], i) => {
                const items = leaves(v);
                return (
                  <CollapsibleCard
                    key={name}
                    title={
                      <>
                        {sectionTitle(name)} <code class="card-code">{name}</code>
                      </>
                    }
                    meta={t('config.count', { n: items.length })}
                    defaultOpen={wide || i === 0}
                  >
                    {items.length === 0 ? (
                      <p class="muted">{t('config.emptySection')}</p>
                    ) : (
                      <KeyValues items={items.map(([k, val]) => ({ label: <code>{k}</code>, value: <Value v={val} />, mono: true }))} />
                    )}
                  </CollapsibleCard>
                );
              })}
            </div>
          );
        }}
      </Loaded>
    </Page>
  );
}
