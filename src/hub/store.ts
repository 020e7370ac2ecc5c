/**
 * The hub's storage, behind one narrow interface so that the SQLite implementation (embedded
 * default) can be replaced by PostgreSQL for several hub instances sharing the load.
 *
 * Every method is async. The hub serializes the work of one gateway; an implementation shared by
 * several hub instances must make `appendRecords` and `setVerified` conditional on the state read
 * (the `expectedHeld` / `expectedVerified` arguments: compare-and-set in one transaction, e.g.
 * `UPDATE … WHERE held = $expected`), and throw `StaleStateError` when another instance got there
 * first — the hub then re-reads and retries.
 */
export interface GatewayState {
  gw: string;
  /** Verifier key of the gateway (`sealift keys show`). */
  vkey: string;
  /** `tampered`: a rewritten history was detected; everything from it is refused until cleared. */
  status: 'ok' | 'tampered';
  /** Records held: seq 0 … held-1, gapless. */
  held: number;
  /** Size of the newest checkpoint verified against the held records (≤ held). */
  verified: number;
  /** base64 root at `verified` (null while 0). */
  root: string | null;
  /** Serialized Merkle frontier at `verified`. */
  frontier: string | null;
  addedAt: number;
  lastSeen: number | null;
  /** From the gateway's retained status: true online, false offline, null unknown. */
  online: boolean | null;
}

export interface NewRecord {
  seq: number;
  ts: number;
  kind: string;
  subject: string;
  actor: string | null;
  bytes: Buffer;
  leaf: Buffer;
}

export interface HubRecord extends NewRecord {
  gw: string;
}

export interface HubCheckpoint {
  size: number;
  root: string;
  note: string;
  /** When the hub verified it, epoch ms. */
  ts: number;
}

export interface HubReceipt {
  size: number;
  root: string;
  cosignature: string;
  time: number;
  note: string;
}

/** `released`: an operator lifted a tamper quarantine (`sealift hub gateway release`), with the reason given. */
export type AlarmKind = 'tamper' | 'unknown_gateway' | 'unknown_key' | 'bad_signature' | 'gap' | 'invalid' | 'released';

export interface HubAlarm {
  id: number;
  gw: string;
  kind: AlarmKind;
  severity: 'critical' | 'warning';
  message: string;
  detail: Record<string, unknown>;
  /** First and last occurrence (identical alarms are counted on one row), epoch ms. */
  ts: number;
  lastTs: number;
  count: number;
}

export interface RecordQuery {
  gw?: string | undefined;
  /** A kind, or a prefix ending in `.*` */
  kind?: string | undefined;
  subject?: string | undefined;
  /** Records about a seal: its subject, or a `seal.*` record whose `data.seal` names it (requests, decisions, grants). */
  seal?: string | undefined;
  /** Gateway time, epoch ms, inclusive */
  from?: number | undefined;
  to?: number | undefined;
  limit: number;
  /** Continue after this position (newest first): from a previous page's `next`. */
  before?: { ts: number; gw: string; seq: number } | undefined;
}

/** Alarms counted per gateway and kind (for the pages: counts per kind and per site). */
export interface AlarmSummary {
  gw: string;
  kind: AlarmKind;
  severity: HubAlarm['severity'];
  /** Distinct alarms (rows). */
  alarms: number;
  /** Occurrences, repeats included. */
  times: number;
  /** Newest occurrence, epoch ms. */
  lastTs: number;
}

export interface HubCommand {
  id: string;
  gw: string;
  name: string;
  args: Record<string, unknown>;
  ts: number;
  status: 'sent' | 'ok' | 'error' | 'timeout';
  result: unknown;
  resultTs: number | null;
}

export class StaleStateError extends Error {
  constructor(gw: string) {
    super(`gateway ${gw}: state changed concurrently`);
    this.name = 'StaleStateError';
  }
}

export interface HubStore {
  getGateway(gw: string): Promise<GatewayState | undefined>;
  listGateways(): Promise<GatewayState[]>;
  /** Register (or with replace, re-key) a gateway. */
  putGateway(gw: string, vkey: string, opts?: { replace?: boolean }): Promise<'added' | 'unchanged' | 'replaced'>;
  setStatus(gw: string, status: GatewayState['status']): Promise<void>;
  /**
   * Lift a tamper quarantine, atomically: the records held beyond `verified` (never confirmed by a
   * signed checkpoint) are moved aside (kept, not searchable), `held` = `verified`, status `ok`,
   * and a `released` alarm (`detail.discarded` = how many) is stored. Throws, changing nothing,
   * for an unknown or not quarantined gateway.
   */
  releaseQuarantine(gw: string, alarm: Omit<HubAlarm, 'id' | 'lastTs' | 'count' | 'gw' | 'kind'>): Promise<{ alarm: HubAlarm; discarded: number }>;
  setOnline(gw: string, online: boolean, ts: number): Promise<void>;

  /** Append records expectedHeld … (gapless, in order) in one transaction. */
  appendRecords(gw: string, expectedHeld: number, rows: NewRecord[]): Promise<void>;
  /** Leaf hashes of seq from … to-1. */
  leaves(gw: string, from: number, to: number): Promise<Buffer[]>;
  /** Records from seq `from`, at most `limit`, in seq order. */
  records(gw: string, from: number, limit: number): Promise<HubRecord[]>;
  search(q: RecordQuery): Promise<HubRecord[]>;

  /** Store a verified checkpoint and, if it is the newest, move `verified` to it with its frontier. */
  setVerified(gw: string, expectedVerified: number, cp: HubCheckpoint, frontier: string | null): Promise<void>;
  getCheckpoint(gw: string, size: number): Promise<HubCheckpoint | undefined>;
  checkpoints(gw: string): Promise<HubCheckpoint[]>;

  putReceipt(gw: string, r: HubReceipt): Promise<void>;
  latestReceipt(gw: string): Promise<HubReceipt | undefined>;
  receipts(gw: string): Promise<HubReceipt[]>;

  /** Record an alarm; an identical open one (same gw, kind, message) is counted instead. */
  raiseAlarm(a: Omit<HubAlarm, 'id' | 'lastTs' | 'count'>): Promise<HubAlarm>;
  alarms(q: { gw?: string | undefined; kind?: string | undefined; limit: number }): Promise<HubAlarm[]>;
  alarmCounts(): Promise<Map<string, number>>;
  alarmSummary(): Promise<AlarmSummary[]>;

  /** Store a photo by its SHA-256 (already checked); false when already held. */
  putEvidence(gw: string, sha: string, bytes: Buffer): Promise<boolean>;
  /** Directory where photos are kept as files named by SHA-256 (for exports). */
  photosDir(): string;

  putCommand(c: HubCommand): Promise<void>;
  setCommandResult(id: string, status: HubCommand['status'], result: unknown, ts: number): Promise<void>;
  command(id: string): Promise<HubCommand | undefined>;

  close(): Promise<void>;
}
