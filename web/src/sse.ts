/**
 * Live feeds (Server-Sent Events). `subscribe(url, handlers)` opens an EventSource with the
 * session cookie, parses each event's JSON data and hands it to the handler named after the
 * event type (`message` for unnamed events). The browser reconnects by itself after a network
 * drop; when the server refuses the stream (e.g. the session expired) the connection closes, so
 * we check the session (a 401 returns to the login page) and reopen with a growing delay.
 * `useLive(url, handlers)` does the same inside a component and returns the connection state
 * for a <LiveIndicator>.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from './api.js';

export type LiveState = 'connecting' | 'open' | 'closed';
export type LiveHandlers = Record<string, (data: unknown, ev: MessageEvent<string>) => void>;

export function subscribe(url: string, handlers: LiveHandlers, onState?: (s: LiveState) => void): () => void {
  let es: EventSource | undefined;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let delay = 1000;

  const open = () => {
    if (stopped) return;
    onState?.('connecting');
    es = new EventSource(url, { withCredentials: true });
    es.onopen = () => {
      delay = 1000;
      onState?.('open');
    };
    es.onerror = () => {
      if (stopped || !es) return;
      if (es.readyState === EventSource.CLOSED) {
        onState?.('closed');
        es = undefined;
        // Refused by the server: find out whether the session is gone (the api layer then
        // returns to the login page), and try again later either way.
        get('/api/me').catch(() => undefined);
        retry = setTimeout(open, delay);
        delay = Math.min(delay * 2, 30_000);
      } else {
        onState?.('connecting');
      }
    };
    for (const [type, fn] of Object.entries(handlers)) {
      es.addEventListener(type, (ev) => {
        const msg = ev as MessageEvent<string>;
        let data: unknown = msg.data;
        try {
          data = JSON.parse(msg.data);
        } catch {
          /* plain text event */
        }
        fn(data, msg);
      });
    }
  };
  open();

  return () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    es?.close();
    es = undefined;
  };
}

/** Subscribe while the component is mounted (or while `url` is not null). */
export function useLive(url: string | null, handlers: LiveHandlers): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    if (!url) return undefined;
    const proxies: LiveHandlers = {};
    for (const type of Object.keys(ref.current)) proxies[type] = (d, ev) => ref.current[type]?.(d, ev);
    return subscribe(url, proxies, setState);
    // handler identities change every render; the event types are fixed per url
  }, [url]);
  return state;
}
