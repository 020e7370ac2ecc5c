/**
 * Loading data for a page, and showing times that stay current.
 *
 *   const devices = useApi<{ devices: Device[] }>('/api/admin/devices');
 *   <Loaded state={devices}>{(d) => <DataTable rows={d.devices} … />}</Loaded>
 */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { t } from '../i18n.js';
import { formatDateTime, formatDuration, formatRelative } from '../format.js';
import type { LiveState } from '../sse.js';
import { ErrorState, Loading } from './states.js';
import { Button } from './controls.js';

export interface ApiState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Fetch again (keeps showing the old data meanwhile). */
  reload: () => void;
  /** Replace the data locally (after a live event or an action). */
  set: (fn: (old: T | undefined) => T | undefined) => void;
}

/** GET `path` (JSON) when the component mounts and whenever `path` changes; null skips. */
export function useApi<T>(path: string | null): ApiState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return undefined;
    const ctl = new AbortController();
    setLoading(true);
    get<T>(path, ctl.signal).then(
      (d) => {
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if ((e as Error).name === 'AbortError') return;
        setError(e);
        setLoading(false);
      },
    );
    return () => ctl.abort();
  }, [path, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload, set: (fn) => setData(fn) };
}

/** Spinner while the first load runs, the error (with retry) if it failed, else the content. */
export function Loaded<T>(props: { state: ApiState<T>; children: (data: T) => ComponentChildren }) {
  const { data, error, loading, reload } = props.state;
  if (data === undefined && loading) return <Loading />;
  if (data === undefined) return <ErrorState error={error} onRetry={reload} />;
  return <>{props.children(data)}</>;
}

/** The current time, refreshed every `everyMs` (for "3 分钟前" and elapsed times). */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

/** "2025-11-22 09:30:05" (site time zone). */
export function Time(props: { ms: number; seconds?: boolean }) {
  return <time dateTime={new Date(props.ms).toISOString()}>{formatDateTime(props.ms, { seconds: props.seconds ?? true })}</time>;
}

/** "3 分钟前", with the exact time on hover; stays current. */
export function Ago(props: { ms: number }) {
  const now = useNow(15_000);
  return (
    <time dateTime={new Date(props.ms).toISOString()} title={formatDateTime(props.ms)}>
      {formatRelative(props.ms, now)}
    </time>
  );
}

/** Time elapsed since `since` (until `until`, or now), ticking every second while open. */
export function Elapsed(props: { since: number; until?: number }) {
  const now = useNow(props.until === undefined ? 1000 : 3_600_000);
  return <span class="elapsed">{formatDuration((props.until ?? now) - props.since)}</span>;
}

/** 刷新: loads the data again, spinning while it does (the old data stays in view). */
export function RefreshButton(props: { state: Pick<ApiState<unknown>, 'data' | 'loading' | 'reload'>; small?: boolean }) {
  return (
    <Button small={props.small} icon="refresh" onClick={props.state.reload} busy={props.state.loading && props.state.data !== undefined}>
      {t('common.refresh')}
    </Button>
  );
}

/** 实时 / 连接中 / 已断开 for a live feed (see useLive in sse.ts). */
export function LiveIndicator(props: { state: LiveState }) {
  return (
    <span class={`live live-${props.state}`} role="status">
      <span class="dot" aria-hidden="true" />
      {props.state === 'open' ? t('live.open') : props.state === 'connecting' ? t('live.connecting') : t('live.closed')}
    </span>
  );
}
