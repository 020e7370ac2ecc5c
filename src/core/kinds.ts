/**
 * Every journal record kind (DESIGN §5.6). docs/journal.md lists them for users.
 * The store accepts only these; domain folders choose which they write.
 */
export const RECORD_KINDS = [
  'seal.request',
  'seal.withdraw',
  'seal.escalate',
  'seal.decision',
  'seal.grant',
  'seal.grant.acked',
  'seal.revoke',
  'seal.lock',
  'seal.stamp',
  'seal.photo',
  'seal.sleeve',
  'seal.auth',
  'seal.alarm',
  'seal.anomaly',
  'seal.complete',
  'seal.expire',
  'seal.time',
  'lift.fault.raise',
  'lift.fault.clear',
  'lift.fault.step',
  'lift.fault.escalate',
  'lift.mode',
  'lift.maintenance',
  'lift.maintenance.alert',
  'lift.event',
  'device.hello',
  'device.status',
  'device.event',
  'device.online',
  'device.offline',
  'user.login',
  'user.denied',
  'user.logout',
  'audit.export',
  'config.change',
  'gateway.start',
  'gateway.stop',
  'sync.receipt',
  'sync.command',
] as const;

export type RecordKind = (typeof RECORD_KINDS)[number];

export const isRecordKind = (k: string): k is RecordKind => (RECORD_KINDS as readonly string[]).includes(k);
