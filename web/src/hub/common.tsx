/**
 * What the hub pages share: a site's verification state in plain words, record kinds and hub
 * alarms in words, the names of seals and people per site, stamp photos fetched with the hub's
 * token, and a one-line description of any seal record.
 */
import { useEffect, useState } from 'preact/hooks';
import { isKey, t } from '../i18n.js';
import { authHeaders, getBlob } from '../api.js';
import { Icon, StatusBadge, useApi } from '../ui/index.js';
import { anomalyLabel, matterLabel, StampPhoto, type Names, type SealRequest, type Stamp } from '../pages/seal-common.js';
import { namesOf, photoPath, sealOf, type GatewayNames, type HubGateway, type JournalRecord } from './model.js';

// ------------------------------------------------------------------------------- sites

export type SiteState = 'ok' | 'pending' | 'tampered' | 'empty';

/** 完整 when every record held is verified; otherwise what is wrong, worst first. */
export function siteState(g: Pick<HubGateway, 'status' | 'held' | 'verified'>): SiteState {
  if (g.status === 'tampered') return 'tampered';
  if (g.held === 0) return 'empty';
  return g.verified < g.held ? 'pending' : 'ok';
}

/** How a site is named to a person: "东湖村 · village-07", or the gateway id until its name is known. */
export function siteLabel(g: { gw: string; name?: string | null }): string {
  return g.name ? `${g.name} · ${g.gw}` : g.gw;
}

/** Site labels for pages that only hold gateway ids (alarms, records): one look at the site list. */
export function useSiteLabels(): (gw: string) => string {
  const sites = useApi<{ gateways: HubGateway[] }>('/api/hub/gateways');
  const names = new Map((sites.data?.gateways ?? []).map((g) => [g.gw, g.name]));
  return (gw) => siteLabel({ gw, name: names.get(gw) ?? null });
}

export const SITE_TONE = { ok: 'ok', pending: 'warn', tampered: 'critical', empty: 'offline' } as const;

/** The verdict on a site's records: "完整，未被篡改" in green, or what is wrong. */
export function SiteVerdict({ g, small }: { g: Pick<HubGateway, 'status' | 'held' | 'verified'>; small?: boolean }) {
  const s = siteState(g);
  const cls = { ok: 'verdict-ok', pending: 'verdict-warn', tampered: 'verdict-bad', empty: 'verdict-info' }[s];
  const vars = { held: g.held, verified: g.verified, n: g.held - g.verified };
  return (
    <div class={`verdict ${cls}${small ? ' verdict-small' : ''}`} role={s === 'tampered' ? 'alert' : 'status'}>
      <Icon name={s === 'ok' ? 'check' : s === 'empty' ? 'info' : 'alert'} size={small ? 28 : 40} />
      <div>
        <p class="verdict-title">{t(`hubState.${s}`)}</p>
        <p class="verdict-text">{t(`hubState.${s}Text`, vars)}</p>
      </div>
    </div>
  );
}

export function OnlineBadge({ online }: { online: boolean | null }) {
  if (online === null) return <StatusBadge status="offline" label={t('hubSites.onlineUnknown')} />;
  return <StatusBadge status={online ? 'ok' : 'offline'} label={online ? t('hubSites.online') : t('hubSites.offline')} />;
}

// ------------------------------------------------------------------------------- words

/** What a record is, in words ("盖章", "用印申请", "审批"…). */
export function kindLabel(kind: string): string {
  const key = `hubKind.${kind}`;
  return isKey(key) ? t(key) : kind;
}

export function alarmLabel(kind: string): string {
  const key = `hubAlarm.${kind}`;
  return isKey(key) ? t(key) : kind;
}

export function alarmHelp(kind: string): string {
  const key = `hubAlarmHelp.${kind}`;
  return isKey(key) ? t(key) : '';
}

/** The hub's own alarm message is technical English: say what it found in plain words where the detail allows. */
export function alarmFact(a: { kind: string; detail: Record<string, unknown> }): string {
  const d = a.detail;
  if (a.kind === 'tamper' && typeof d.seq === 'number') return t('hubAlarmFact.tamperRecord', { seq: d.seq });
  if (a.kind === 'tamper' && typeof d.size === 'number') return t('hubAlarmFact.tamperCheckpoint', { size: d.size });
  if (a.kind === 'gap' && typeof d.held === 'number' && typeof d.from === 'number') return t('hubAlarmFact.gap', { held: d.held, from: d.from });
  if (a.kind === 'released' && typeof d.by === 'string' && typeof d.reason === 'string') return t('hubAlarmFact.released', { by: d.by, reason: d.reason });
  return alarmHelp(a.kind);
}

/** The sleeve's own alarms (seal.alarm data.kind). */
export function sealAlarmLabel(kind: unknown): string {
  const key = `hubSealAlarm.${String(kind)}`;
  return isKey(key) ? t(key) : String(kind);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** A record in one line: a title and the facts under it. */
export function recordWhat(r: JournalRecord, req: SealRequest | undefined, names: Names): { title: string; facts: string[]; tone?: 'critical' | 'warn' } {
  const d = r.data;
  const seal = sealOf(r);
  const sealName = seal ? names.seal(seal) : undefined;
  const facts = (...xs: (string | undefined | false)[]) => xs.filter((x): x is string => !!x);
  switch (r.kind) {
    case 'seal.stamp':
      return req
        ? { title: req.title, facts: facts(kindLabel(r.kind), sealName, matterLabel(req.matter), t('stamp.nthValue', { n: Number(d.n ?? 0) })) }
        : { title: t('stamp.noRequest'), facts: facts(kindLabel(r.kind), sealName), tone: 'critical' };
    case 'seal.request':
      return { title: str(d.title) ?? r.subject, facts: facts(kindLabel(r.kind), sealName, matterLabel(str(d.matter)), t('hubLogs.countValue', { n: Number(d.count ?? 0) })) };
    case 'seal.decision': {
      const approve = d.decision === 'approve';
      const word = d.breakGlass === true ? t('timeline.breakGlass') : approve ? t('timeline.approve') : t('timeline.reject');
      const why = str(approve ? d.note : d.reason) ?? (d.breakGlass === true ? str(d.reason) : undefined);
      return { title: req?.title ?? r.subject, facts: facts(`${kindLabel(r.kind)}：${word}`, sealName, why), ...(approve && d.breakGlass !== true ? {} : { tone: 'warn' as const }) };
    }
    case 'seal.anomaly':
      return { title: anomalyLabel(str(d.code) ?? '?'), facts: facts(kindLabel(r.kind), sealName, req?.title), tone: 'critical' };
    case 'seal.alarm':
      return { title: sealAlarmLabel(d.kind), facts: facts(kindLabel(r.kind), sealName), tone: 'warn' };
    case 'seal.lock':
      return { title: kindLabel(r.kind), facts: facts(sealName, str(d.reason)), tone: 'warn' };
    default:
      return { title: kindLabel(r.kind), facts: facts(sealName, req?.title) };
  }
}

// ------------------------------------------------------------------------------- names

/** Seal and people names of every site (or one), from the sites' provisioning records. */
export function useHubNames(gw?: string): { all: Record<string, GatewayNames> | undefined; of: (gw: string) => Names } {
  const r = useApi<{ names: Record<string, GatewayNames> }>(gw ? `/api/hub/names?gw=${encodeURIComponent(gw)}` : '/api/hub/names');
  return { all: r.data?.names, of: (g) => namesOf(r.data?.names[g]) };
}

// ------------------------------------------------------------------------------- photos

/**
 * Where the page can load each photo from: the API path itself when the hub has no token, else
 * a blob fetched with the token (an <img> cannot send it), released when the page closes.
 * `ready` once every photo was tried; a photo that could not be loaded maps to null.
 */
export function usePhotoUrls(shas: string[]): { urls: Record<string, string | null>; ready: boolean } {
  const key = [...new Set(shas)].sort().join(',');
  const [state, setState] = useState<{ key: string; urls: Record<string, string | null> }>({ key: '', urls: {} });
  useEffect(() => {
    const list = key ? key.split(',') : [];
    if (Object.keys(authHeaders()).length === 0) {
      setState({ key, urls: Object.fromEntries(list.map((s) => [s, photoPath(s)])) });
      return undefined;
    }
    const ctl = new AbortController();
    const made: string[] = [];
    void Promise.all(
      list.map(async (sha): Promise<[string, string | null]> => {
        try {
          const { blob } = await getBlob(photoPath(sha), ctl.signal);
          if (ctl.signal.aborted) return [sha, null];
          const url = URL.createObjectURL(blob);
          made.push(url);
          return [sha, url];
        } catch {
          return [sha, null];
        }
      }),
    ).then((pairs) => {
      if (!ctl.signal.aborted) setState({ key, urls: Object.fromEntries(pairs) });
    });
    return () => {
      ctl.abort();
      for (const u of made) URL.revokeObjectURL(u);
    };
  }, [key]);
  return { urls: state.key === key ? state.urls : {}, ready: state.key === key };
}

/** A stamp's photo in a list: loaded with the hub's token. */
export function HubStampPhoto({ stamp }: { stamp: Stamp }) {
  const { urls, ready } = usePhotoUrls(stamp.photo && stamp.photoReceived ? [stamp.photo] : []);
  if (!ready) {
    return (
      <span class="photo photo-missing">
        <span class="spinner spinner-small" aria-hidden="true" />
      </span>
    );
  }
  return <StampPhoto stamp={{ ...stamp, photoUrl: stamp.photo ? (urls[stamp.photo] ?? null) : null }} />;
}

// ------------------------------------------------------------------------------- navigation

/** The stamp-log search last shown, so a record page goes back to it. */
let lastLogs = '/hub/logs';
export const rememberLogs = (path: string): void => {
  lastLogs = path;
};
export const logsPath = (): string => lastLogs;
