/**
 * Counts and reporting of the reliability suite (DESIGN §8, docs/reliability.md).
 *
 * Every item runs with a small count inside `npm test` (CI) and with its full count under
 * `npm run soak` (tests/reliability/vitest.config.ts sets SEALIFT_SOAK_FULL=1). Any count can be
 * set on its own: SEALIFT_SOAK_KILLS=200, SEALIFT_SOAK_UNPLUGS=50, SEALIFT_SOAK_FUZZ=1000000, …
 *
 * Each item prints one line of figures, `[soak] <item>: key=value …`, and appends it as JSON to the
 * file named by SEALIFT_SOAK_REPORT, if set.
 */
import { appendFileSync } from 'node:fs';

export const FULL = process.env.SEALIFT_SOAK_FULL === '1';

/** The count of an item: SEALIFT_SOAK_<NAME> if set, else its full or CI value. */
export function count(name: string, ci: number, full: number): number {
  const v = process.env[`SEALIFT_SOAK_${name}`];
  if (v !== undefined && v !== '') {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`SEALIFT_SOAK_${name} must be a non-negative number, got ${v}`);
    return n;
  }
  return FULL ? full : ci;
}

/** Print (and record) the figures of an item. */
export function report(item: string, figures: Record<string, unknown>): void {
  const text = Object.entries(figures)
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(1) : typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
  console.log(`[soak] ${item}: ${text}`);
  const file = process.env.SEALIFT_SOAK_REPORT;
  if (file) appendFileSync(file, JSON.stringify({ item, at: new Date().toISOString(), full: FULL, ...figures }) + '\n');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A test timeout for `n` repetitions of `perMs` each, plus `baseMs`. */
export const budget = (n: number, perMs: number, baseMs = 30_000): number => Math.round(baseMs + n * perMs);

/** Resident set size of a process in MB (Linux /proc). */
export async function rssMb(pid: number): Promise<number> {
  const { readFileSync } = await import('node:fs');
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}


/** The seed of this run: SEALIFT_SOAK_SEED or a fresh one (printed by the items). */
export const SEED = Number(process.env.SEALIFT_SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
