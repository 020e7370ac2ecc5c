/** Prometheus metrics: one registry per process, shared counters every component uses. */
import { Registry, Counter, Gauge, Histogram, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  /** Every refused input, by reason (law 5): broker_auth, ssp1_bad_crc, api_validation, ... */
  rejected: Counter<'reason'>;
  journalRecords: Gauge;
  journalPending: Gauge;
  commitSeconds: Histogram;
  commitBatch: Histogram;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sealift_process_' });
  return {
    registry,
    rejected: new Counter({
      name: 'sealift_rejected_total',
      help: 'Inputs refused (frames, payloads, API requests, connections), by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    journalRecords: new Gauge({ name: 'sealift_journal_records', help: 'Records in the journal', registers: [registry] }),
    journalPending: new Gauge({
      name: 'sealift_journal_pending',
      help: 'Appends waiting for their commit',
      registers: [registry],
    }),
    commitSeconds: new Histogram({
      name: 'sealift_journal_commit_seconds',
      help: 'Latency of one group commit (synchronous=FULL)',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1],
      registers: [registry],
    }),
    commitBatch: new Histogram({
      name: 'sealift_journal_commit_records',
      help: 'Records per group commit',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers: [registry],
    }),
  };
}
