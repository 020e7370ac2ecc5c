/**
 * Inspector query (DESIGN §8): `GET /api/seal/stamps` over a journal of 1,000,000 records (quick:
 * 100,000), every documented filter — date range, seal, person, matter, anomaly, anomalous,
 * out of hours, request — alone and combined, and paging; p95 ≤ 20 ms for each. Times the query
 * function the route calls (`searchStamps`: the count for the pager + one page of 50), on the
 * projection tables the journal built (bench/fixture.ts), with random filter values.
 */
import { openDb } from '../src/store/db.js';
import { searchStamps, type StampFilter } from '../src/seal/queries.js';
import { ANOMALY_CODES, MATTER_TYPES } from '../src/seal/model.js';
import { fixture, type Fixture } from './fixture.js';
import { now, percentile, type Result } from './lib.js';
import { seededRandom } from '../sim/random.js';


export async function benchQuery(quick: boolean): Promise<Result> {
  return queryBench(await fixture(quick ? 100_000 : 1_000_000), quick);
}

export function queryBench(fx: Pick<Fixture, 'dbPath' | 'from' | 'to' | 'seals' | 'keepers' | 'approvers' | 'size'>, quick: boolean): Result {
  const db = openDb(fx.dbPath, { readonly: true });
  const rand = seededRandom(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const DAY = 86_400_000;
  const span = fx.to - fx.from;
  /** A month (or a year, or a week) somewhere in the journal's time. */
  const range = (days: number): { from: number; to: number } => {
    const from = fx.from + Math.floor(rand() * Math.max(1, span - days * DAY));
    return { from, to: from + days * DAY };
  };
  const stamps = (db.prepare('SELECT COUNT(*) AS n FROM seal_stamps').get() as { n: number }).n;
  const requests = db.prepare('SELECT id FROM seal_requests ORDER BY random() LIMIT 200').all() as { id: string }[];
  const pages = Math.max(1, Math.floor(stamps / 50));
  const people = [...fx.keepers, ...fx.approvers];
  const FILTERS: Record<string, () => { f: StampFilter; page?: number }> = {
    'none (page 1)': () => ({ f: {} }),
    'date range (month)': () => ({ f: range(30) }),
    'date range (year)': () => ({ f: range(365) }),
    seal: () => ({ f: { seal: pick(fx.seals) } }),
    person: () => ({ f: { person: pick(people) } }),
    matter: () => ({ f: { matter: pick(MATTER_TYPES) } }),
    anomaly: () => ({ f: { anomaly: pick(ANOMALY_CODES.filter((c) => c.startsWith('STAMP_'))) } }),
    'anomalous=true': () => ({ f: { anomalous: true } }),
    'anomalous=false': () => ({ f: { anomalous: false } }),
    'outOfHours=true': () => ({ f: { outOfHours: true } }),
    'outOfHours=false': () => ({ f: { outOfHours: false } }),
    request: () => ({ f: { request: pick(requests).id } }),
    'keeper (own stamps)': () => ({ f: { requester: pick(fx.keepers) } }),
    'seal + month + outOfHours': () => ({ f: { seal: pick(fx.seals), ...range(30), outOfHours: true } }),
    'person + matter + year': () => ({ f: { person: pick(people), matter: pick(MATTER_TYPES), ...range(365) } }),
    'paging (random page)': () => ({ f: {}, page: 1 + Math.floor(rand() * pages) }),
    'paging (seal, random page)': () => ({ f: { seal: pick(fx.seals) }, page: 1 + Math.floor(rand() * Math.max(1, pages / fx.seals.length)) }),
  };
  const reps = quick ? 40 : 100;
  const per: { name: string; p95: number; p50: number; total: number }[] = [];
  try {
    for (const [name, gen] of Object.entries(FILTERS)) {
      const times: number[] = [];
      let total = 0;
      for (let i = 0; i < reps + 3; i++) {
        const { f, page } = gen();
        const t0 = now();
        const r = searchStamps(db, f, page ?? 1, 50);
        const ms = now() - t0;
        if (i >= 3) times.push(ms); // the first few warm the page cache
        total += r.total;
      }
      times.sort((a, b) => a - b);
      per.push({ name, p95: percentile(times, 95), p50: percentile(times, 50), total: Math.round(total / (reps + 3)) });
    }
  } finally {
    db.close();
  }
  const worst = per.reduce((a, b) => (b.p95 > a.p95 ? b : a));
  const over = per.filter((p) => p.p95 > 20);
  return {
    name: 'inspector query',
    value: worst.p95,
    unit: `ms p95, worst filter (${worst.name})`,
    ratio: worst.p95 / 20,
    baseline: 'target 20 ms',
    target: 'p95 ≤ 20 ms, every filter',
    pass: over.length === 0,
    notes:
      `${fx.size.toLocaleString('en')} journal records, ${stamps.toLocaleString('en')} stamps; p95 (p50) ms / avg matches: ` +
      per.map((p) => `${p.name} ${p.p95.toFixed(1)} (${p.p50.toFixed(1)}) /${p.total.toLocaleString('en')}`).join('; ') +
      (over.length ? `; over target: ${over.map((p) => p.name).join(', ')}` : ''),
  };
}
