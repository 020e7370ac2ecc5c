/**
 * Keep a page current without a live feed: call `fn` every `everyMs` while the page is on screen
 * (not in a background tab), and at once when it comes back to the foreground.
 *
 *   const reqs = useApi<…>('/api/seal/requests?mine=true');
 *   usePolling(reqs.reload, 4000);
 */
import { useEffect, useRef } from 'preact/hooks';

export function usePolling(fn: () => void, everyMs: number, active = true): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    if (!active) return undefined;
    const visible = () => document.visibilityState === 'visible';
    const id = setInterval(() => visible() && ref.current(), everyMs);
    const onVisible = () => visible() && ref.current();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(id);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [everyMs, active]);
}
