/**
 * `sealift hub`: the upstream receiver (DESIGN §2, §5.7, docs/upstream.md).
 *
 * An MQTT client of any broker, subscribed to `sealift/v1/+/{journal,checkpoint,evidence/+,status,
 * cmd-result}`. Messages are handled one at a time, and the PUBACK for a message is only sent once
 * it has been stored (MQTT.js handleMessage), so a hub crash loses nothing the broker will not
 * redeliver. Per gateway it keeps `held` (records 0…held-1, gapless) and `verified` (the newest
 * checkpoint checked against them, with the Merkle frontier there):
 *
 *  journal batch   every record canonical, of this gateway, seq = from + i; from > held → gap,
 *                  refused; records it already holds must be byte-identical (else: rewritten
 *                  history → tamper); the rest is appended.
 *  checkpoint      signed by the gateway's registered key (else unknown_key / bad_signature);
 *                  size ≤ held → the root of the held records must equal the signed root (else
 *                  tamper), then it is stored, `verified` moves and a receipt (cosignature) goes
 *                  back; size > held → kept pending until the records arrive.
 *
 * A tamper alarm quarantines the gateway (status `tampered`): everything it sends is refused until
 * an operator has looked (`sealift hub gateway list` shows it) and lifts the quarantine with
 * `sealift hub gateway release GW --reason …` (a `released` alarm keeps who, when and why); what
 * the gateway sends next is checked against the held records as before, so a gateway that still
 * sends the rewritten history is quarantined again at once. Alarms are stored, logged at error,
 * published on `sealift/v1/_hub/alarm` and listed over HTTP.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { Counter, Gauge } from 'prom-client';
import type { Logger } from 'pino';
import type { Config } from '../core/config.js';
import { child } from '../core/logger.js';
import { createMetrics, type Metrics } from '../core/metrics.js';
import { checkpointOrigin, openCheckpoint } from '../store/checkpoint.js';
import { parseVerifierKey } from '../store/keys.js';
import { Frontier, leafHash, rootOf } from '../store/merkle.js';
import { isCanonical, recordProblem } from '../store/record.js';
import type { JournalRecord } from '../store/types.js';
import {
  cosign,
  cosignedNote,
  GW_ID,
  noteBody,
  parseBatch,
  SHA256_HEX,
  signCommand,
  topics,
  TOPIC_ROOT,
  type CommandResult,
  type CosignerKey,
  type JournalBatch,
} from '../sync/protocol.js';
import { redactUrl } from '../sync/outbox.js';
import { loadOrCreateHubKey } from './keys.js';
import { SqliteHubStore } from './sqlite-store.js';
import { StaleStateError, type AlarmKind, type GatewayState, type HubAlarm, type HubReceipt, type HubStore, type NewRecord } from './store.js';

export type HubConfig = Config['hub'];

interface PendingCheckpoint {
  size: number;
  root: string;
  rootHash: Buffer;
  note: string;
}

const MAX_PENDING_PER_GW = 64;
const MAX_CHECKPOINT_BYTES = 16 * 1024;
const LEAF_CHUNK = 65_536;
const COMMAND_TIMEOUT_MS = 30_000;

/** The hub data directory: `hub.dir`, else `{data}/hub`. */
export const hubDir = (cfg: Config): string => cfg.hub.dir ?? join(cfg.data, 'hub');

/** Check a gateway's verifier key: a valid C2SP Ed25519 key named `sealift/{gw}`. Throws the reason. */
export function checkGatewayKey(gw: string, vkey: string): void {
  if (!GW_ID.test(gw)) throw new Error(`gateway id ${JSON.stringify(gw)} is not valid (letters, digits, _ . -)`);
  const v = parseVerifierKey(vkey);
  if (v.name !== checkpointOrigin(gw)) throw new Error(`the key is named ${v.name}; the key of gateway ${gw} must be named ${checkpointOrigin(gw)}`);
}

export interface HubOptions {
  cfg: Config;
  log: Logger;
  /** Storage; default: SQLite in hubDir(cfg). Closed by stop(). */
  store?: HubStore | undefined;
  metrics?: Metrics | undefined;
}

/** A site's name, from the newest `gateway.start` record the hub holds (null before one arrived). */
export async function siteNameOf(store: HubStore, gw: string): Promise<string | null> {
  const [start] = await store.search({ gw, kind: 'gateway.start', limit: 1 });
  if (!start) return null;
  const name = (JSON.parse(start.bytes.toString('utf8')) as { data?: { name?: unknown } }).data?.name;
  return typeof name === 'string' && name.trim() !== '' ? name : null;
}

/**
 * Lift a tamper quarantine: what the gateway sent beyond its last verified checkpoint is set aside
 * (no signed checkpoint ever vouched for it, and it may be the forger's), the status goes back to
 * `ok`, and a `released` alarm records who did it, when and why. Works on the store of a running
 * hub (it reads a gateway's status on every message). Refused, changing nothing, for an unknown or
 * not quarantined gateway, or without a reason.
 */
export async function releaseGateway(store: HubStore, gw: string, opts: { reason: string; by: string; ts?: number }): Promise<HubAlarm & { discarded: number }> {
  const reason = opts.reason.trim();
  if (reason.length === 0) throw new Error('say why the quarantine is lifted (--reason), it is kept with the release');
  const g = await store.getGateway(gw);
  if (!g) throw new Error(`gateway ${gw} is not registered`);
  const [tamper] = await store.alarms({ gw, kind: 'tamper', limit: 1 });
  const { alarm, discarded } = await store.releaseQuarantine(gw, {
    severity: 'warning',
    message: `quarantine of ${gw} lifted by ${opts.by}: ${reason}`,
    detail: { by: opts.by, reason, tamper: tamper ? { id: tamper.id, message: tamper.message, ts: tamper.ts } : null, verified: g.verified, held: g.held },
    ts: opts.ts ?? Date.now(),
  });
  return { ...alarm, discarded };
}

export class Hub {
  readonly cfg: HubConfig;
  readonly store: HubStore;
  readonly key: CosignerKey;
  readonly metrics: Metrics;
  readonly dir: string;
  private readonly log: Logger;
  private client: MqttClient | undefined;
  private connectedFlag = false;
  private stopped = false;
  private pending = new Map<string, Map<number, PendingCheckpoint>>();
  private waiters = new Map<string, (r: CommandResult) => void>();
  private alarmListeners = new Set<(a: HubAlarm) => void>();
  private queue: Promise<void> = Promise.resolve();
  private readonly m: {
    batches: Counter<'result'>;
    records: Counter;
    duplicates: Counter;
    checkpoints: Counter<'result'>;
    receipts: Counter;
    alarms: Counter<'kind'>;
    evidence: Counter<'result'>;
  };

  constructor(opts: HubOptions) {
    this.cfg = opts.cfg.hub;
    this.log = opts.log;
    this.dir = hubDir(opts.cfg);
    this.store = opts.store ?? new SqliteHubStore(this.dir);
    this.key = loadOrCreateHubKey(this.dir, this.cfg.name);
    this.metrics = opts.metrics ?? createMetrics();
    const registers = [this.metrics.registry];
    this.m = {
      batches: new Counter({ name: 'sealift_hub_batches_total', help: 'Journal batches, by result', labelNames: ['result'], registers }),
      records: new Counter({ name: 'sealift_hub_records_stored_total', help: 'Records stored (new ones only)', registers }),
      duplicates: new Counter({ name: 'sealift_hub_records_duplicate_total', help: 'Records received again (already held, identical)', registers }),
      checkpoints: new Counter({ name: 'sealift_hub_checkpoints_total', help: 'Checkpoints, by result', labelNames: ['result'], registers }),
      receipts: new Counter({ name: 'sealift_hub_receipts_total', help: 'Receipts (cosignatures) issued', registers }),
      alarms: new Counter({ name: 'sealift_hub_alarms_total', help: 'Alarms raised, by kind', labelNames: ['kind'], registers }),
      evidence: new Counter({ name: 'sealift_hub_evidence_total', help: 'Photos, by result', labelNames: ['result'], registers }),
    };
    const g: Gauge = new Gauge({ name: 'sealift_hub_connected', help: 'Connected to the broker (1/0)', registers, collect: () => g.set(this.connectedFlag ? 1 : 0) });
  }

  get connected(): boolean {
    return this.connectedFlag;
  }

  /** Register the gateways listed in the config (the config is authoritative for them). */
  async registerConfigured(list: { id: string; key: string }[]): Promise<void> {
    for (const { id, key } of list) {
      checkGatewayKey(id, key);
      const r = await this.store.putGateway(id, key, { replace: true });
      if (r === 'replaced') this.log.warn({ gw: id }, 'gateway key replaced from the configuration');
    }
  }

  async addGateway(gw: string, vkey: string, opts: { replace?: boolean } = {}): Promise<'added' | 'unchanged' | 'replaced'> {
    checkGatewayKey(gw, vkey);
    return this.store.putGateway(gw, vkey, opts);
  }

  /** Connect to the broker and subscribe. Resolves once connected (or keeps retrying in the background after timeoutMs). */
  async connect(url: string = this.cfg.broker, timeoutMs = 10_000): Promise<void> {
    const c = this.cfg;
    const opts: IClientOptions = {
      clientId: c.clientId,
      clean: false,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      keepalive: 30,
      protocolVersion: c.protocolVersion as 4 | 5,
      rejectUnauthorized: c.rejectUnauthorized,
      ...(c.protocolVersion === 5 ? { properties: { sessionExpiryInterval: 7 * 24 * 3600 } } : {}),
    };
    if (c.username !== null) opts.username = c.username;
    if (c.password !== null) opts.password = c.password;
    if (c.ca) opts.ca = readFileSync(c.ca);
    if (c.cert) opts.cert = readFileSync(c.cert);
    if (c.key) opts.key = readFileSync(c.key);
    const client = mqtt.connect(url, opts);
    this.client = client;
    // One message at a time; PUBACK only after it has been handled (and stored).
    client.handleMessage = (packet: IPublishPacket, done: (err?: Error) => void) => {
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : Buffer.from(packet.payload);
      this.enqueue(() => this.dispatch(packet.topic, payload)).then(
        () => done(),
        () => done(),
      );
    };
    const share = (t: string): string => (c.sharedGroup ? `$share/${c.sharedGroup}/${t}` : t);
    const subs = ['journal', 'checkpoint', 'evidence/+', 'status', 'cmd-result'].map((s) => share(`${TOPIC_ROOT}/+/${s}`));
    client.on('connect', () => {
      this.connectedFlag = true;
      this.log.info({ url: redactUrl(url) }, 'hub connected to the broker');
      client.subscribe(subs, { qos: 1 }, (err) => {
        if (err) this.log.error({ err: err.message }, 'hub subscribe failed');
      });
    });
    client.on('close', () => {
      if (this.connectedFlag && !this.stopped) this.log.warn('hub lost the broker; reconnecting');
      this.connectedFlag = false;
    });
    client.on('error', (err) => this.log.debug({ err: err.message }, 'hub broker connection error'));
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.log.warn({ url: redactUrl(url) }, 'broker not reachable yet; the hub keeps trying');
        resolve();
      }, timeoutMs);
      client.once('connect', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const c = this.client;
    this.client = undefined;
    if (c) {
      let t: NodeJS.Timeout | undefined;
      await Promise.race([c.endAsync(false), new Promise((r) => (t = setTimeout(r, 2000)))])
        .catch(() => c.end(true))
        .finally(() => clearTimeout(t));
    }
    await this.queue.catch(() => undefined);
    await this.store.close();
  }

  onAlarm(fn: (a: HubAlarm) => void): () => void {
    this.alarmListeners.add(fn);
    return () => this.alarmListeners.delete(fn);
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const p = this.queue.then(fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Handle one message (exposed for tests and for other transports). */
  async dispatch(topic: string, payload: Buffer, attempt = 0): Promise<void> {
    const parts = topic.split('/');
    if (parts.length < 4 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return;
    const gw = parts[2]!;
    const rest = parts.slice(3).join('/');
    if (!GW_ID.test(gw)) return;
    try {
      if (rest === 'journal') await this.onJournal(gw, payload);
      else if (rest === 'checkpoint') await this.onCheckpoint(gw, payload);
      else if (rest.startsWith('evidence/') && parts.length === 5) await this.onEvidence(gw, parts[4]!, payload);
      else if (rest === 'status') await this.onStatus(gw, payload);
      else if (rest === 'cmd-result') await this.onCmdResult(gw, payload);
    } catch (e) {
      if (e instanceof StaleStateError && attempt < 5) {
        // Another hub instance changed this gateway meanwhile: handle the message again on fresh state.
        return this.dispatch(topic, payload, attempt + 1);
      }
      this.log.error({ gw, topic, err: (e as Error).message }, 'hub could not handle a message');
    }
  }

  // -----------------------------------------------------------------------------------------------
  // Alarms

  private async alarm(gw: string, kind: AlarmKind, message: string, detail: Record<string, unknown> = {}): Promise<HubAlarm> {
    const severity = kind === 'gap' || kind === 'invalid' ? 'warning' : 'critical';
    const a = await this.store.raiseAlarm({ gw, kind, severity, message, detail, ts: Date.now() });
    this.m.alarms.inc({ kind });
    // Repeats of the same alarm are counted on its row; log and publish the first and every 100th.
    if (a.count === 1 || a.count % 100 === 0) {
      this.log.error({ gw, alarm: kind, count: a.count, ...detail }, message);
      this.client?.publish(topics.hubAlarm, JSON.stringify(a), { qos: 1 }, () => undefined);
    } else this.log.debug({ gw, alarm: kind, count: a.count }, message);
    for (const fn of this.alarmListeners) {
      try {
        fn(a);
      } catch {
        /* a listener's problem */
      }
    }
    return a;
  }

  private async tamper(gw: string, message: string, detail: Record<string, unknown>): Promise<void> {
    await this.store.setStatus(gw, 'tampered');
    this.pending.delete(gw);
    await this.alarm(gw, 'tamper', message, detail);
  }

  /** The registered, non-quarantined gateway, or undefined (alarm raised or counted). */
  private async known(gw: string, what: string): Promise<GatewayState | undefined> {
    const g = await this.store.getGateway(gw);
    if (!g) {
      await this.alarm(gw, 'unknown_gateway', `${what} from unregistered gateway ${gw} refused (register it: sealift hub gateway add ${gw} --key VKEY)`);
      return undefined;
    }
    if (g.status === 'tampered') {
      this.m.batches.inc({ result: 'quarantined' });
      return undefined;
    }
    return g;
  }

  // -----------------------------------------------------------------------------------------------
  // Journal batches

  private async onJournal(gw: string, payload: Buffer): Promise<void> {
    const invalid = async (why: string): Promise<void> => {
      this.m.batches.inc({ result: 'invalid' });
      await this.alarm(gw, 'invalid', `journal batch refused: ${why}`);
    };
    if (payload.length > this.cfg.maxBatchBytes) return invalid(`${payload.length} bytes, more than hub.maxBatchBytes`);
    let batch: JournalBatch;
    try {
      batch = parseBatch(payload);
    } catch (e) {
      return invalid((e as Error).message);
    }
    if (batch.gw !== gw) return invalid(`batch of gateway ${batch.gw} on the topic of ${gw}`);
    const g = await this.known(gw, 'journal batch');
    if (!g) return;
    const rows: NewRecord[] = [];
    for (let i = 0; i < batch.records.length; i++) {
      const text = batch.records[i]!;
      const seq = batch.from + i;
      let rec: JournalRecord;
      try {
        rec = JSON.parse(text) as JournalRecord;
      } catch {
        return invalid(`record ${seq} is not JSON`);
      }
      const problem = recordProblem(rec);
      if (problem) return invalid(`record ${seq}: ${problem}`);
      if (rec.gw !== gw) return invalid(`record ${seq} belongs to gateway ${rec.gw}`);
      if (rec.seq !== seq) return invalid(`record at position ${i} has seq ${rec.seq}, not ${seq}`);
      if (!isCanonical(text, rec)) return invalid(`record ${seq} is not in canonical (JCS) form`);
      const bytes = Buffer.from(text, 'utf8');
      rows.push({ seq, ts: rec.ts, kind: rec.kind, subject: rec.subject, actor: rec.actor ?? null, bytes, leaf: leafHash(bytes) });
    }
    if (batch.from > g.held) {
      this.m.batches.inc({ result: 'gap' });
      await this.alarm(gw, 'gap', `journal batch ${batch.from}..${batch.to} refused: it leaves a gap after the ${g.held} records held (the gateway resends from its last receipt)`, {
        held: g.held,
        from: batch.from,
        to: batch.to,
      });
      return;
    }
    const overlapEnd = Math.min(batch.to + 1, g.held);
    if (batch.from < overlapEnd) {
      const held = await this.store.leaves(gw, batch.from, overlapEnd);
      for (let s = batch.from; s < overlapEnd; s++) {
        const mine = held[s - batch.from];
        const theirs = rows[s - batch.from]!.leaf;
        if (!mine || !mine.equals(theirs)) {
          this.m.batches.inc({ result: 'tamper' });
          await this.tamper(gw, `record ${s} of ${gw} differs from the one the hub holds: rewritten history; ${gw} quarantined`, {
            seq: s,
            heldLeaf: mine?.toString('hex') ?? null,
            receivedLeaf: theirs.toString('hex'),
          });
          return;
        }
      }
      this.m.duplicates.inc(overlapEnd - batch.from);
    }
    const fresh = rows.filter((r) => r.seq >= g.held);
    if (fresh.length > 0) {
      await this.store.appendRecords(gw, g.held, fresh);
      this.m.records.inc(fresh.length);
      this.m.batches.inc({ result: 'stored' });
    } else {
      this.m.batches.inc({ result: 'duplicate' });
    }
    await this.tryPending(gw);
  }

  // -----------------------------------------------------------------------------------------------
  // Checkpoints and receipts

  private async onCheckpoint(gw: string, payload: Buffer): Promise<void> {
    if (payload.length > MAX_CHECKPOINT_BYTES) {
      this.m.checkpoints.inc({ result: 'invalid' });
      await this.alarm(gw, 'invalid', 'checkpoint refused: too large');
      return;
    }
    const g = await this.known(gw, 'checkpoint');
    if (!g) return;
    const note = payload.toString('utf8');
    const opened = openCheckpoint(note, g.vkey);
    if (!opened.ok) {
      this.m.checkpoints.inc({ result: 'refused' });
      const signers = [...note.matchAll(/^\u2014 (\S+) (\S+)$/gmu)].map((m) => `${m[1]} ${Buffer.from(m[2]!, 'base64').subarray(0, 4).toString('hex')}`);
      const registered = parseVerifierKey(g.vkey);
      if (opened.reason.startsWith('no signature by')) {
        await this.alarm(gw, 'unknown_key', `checkpoint of ${gw} is not signed by its registered key (key id ${registered.keyId.toString('hex')}): refused`, { signers });
      } else if (opened.reason.includes('does not verify')) {
        await this.alarm(gw, 'bad_signature', `checkpoint of ${gw} has a signature that does not verify: refused`, { reason: opened.reason });
      } else {
        await this.alarm(gw, 'invalid', `checkpoint of ${gw} refused: ${opened.reason}`);
      }
      return;
    }
    if (opened.origin !== checkpointOrigin(gw)) {
      this.m.checkpoints.inc({ result: 'refused' });
      await this.alarm(gw, 'invalid', `checkpoint of origin ${opened.origin} on the topic of ${gw}: refused`);
      return;
    }
    await this.consider(gw, { size: opened.size, root: opened.root, rootHash: opened.rootHash, note });
  }

  private async tryPending(gw: string): Promise<void> {
    const p = this.pending.get(gw);
    if (!p || p.size === 0) return;
    const g = await this.store.getGateway(gw);
    if (!g) return;
    for (const size of [...p.keys()].sort((a, b) => a - b)) {
      if (size > g.held) break;
      const cp = p.get(size)!;
      p.delete(size);
      await this.consider(gw, cp);
    }
  }

  private async consider(gw: string, cp: PendingCheckpoint): Promise<void> {
    const g = await this.store.getGateway(gw);
    if (!g || g.status === 'tampered' || cp.size === 0) return;
    if (cp.size <= g.verified) {
      // An older (or the same) checkpoint: it must agree with what was verified.
      const known = await this.store.getCheckpoint(gw, cp.size);
      const root = known?.root ?? (cp.size === g.verified ? g.root! : rootOf(await this.store.leaves(gw, 0, cp.size)).toString('base64'));
      if (root !== cp.root) {
        this.m.checkpoints.inc({ result: 'tamper' });
        await this.tamper(gw, `checkpoint ${cp.size} signed by ${gw} contradicts the history the hub verified: rewritten history; ${gw} quarantined`, {
          size: cp.size,
          signedRoot: cp.root,
          heldRoot: root,
        });
        return;
      }
      if (!known) await this.store.setVerified(gw, g.verified, { size: cp.size, root: cp.root, note: cp.note, ts: Date.now() }, null);
      this.m.checkpoints.inc({ result: 'repeat' });
      // Repeat the newest receipt: the gateway may have lost it (it resends after a reconnect).
      const latest = await this.store.latestReceipt(gw);
      if (latest) this.publishReceipt(gw, latest);
      return;
    }
    if (cp.size > g.held) {
      let p = this.pending.get(gw);
      if (!p) this.pending.set(gw, (p = new Map()));
      p.set(cp.size, cp);
      // Bounded: the smallest go first, a larger checkpoint covers them.
      while (p.size > MAX_PENDING_PER_GW) p.delete(Math.min(...p.keys()));
      this.m.checkpoints.inc({ result: 'pending' });
      return;
    }
    let f: Frontier;
    try {
      f = g.frontier ? Frontier.deserialize(g.frontier) : new Frontier();
      if (f.size !== g.verified) throw new Error('stale frontier');
    } catch {
      f = new Frontier();
      for (let s = 0; s < g.verified; s += LEAF_CHUNK) for (const l of await this.store.leaves(gw, s, Math.min(g.verified, s + LEAF_CHUNK))) f.push(l);
    }
    for (let s = g.verified; s < cp.size; s += LEAF_CHUNK) {
      for (const l of await this.store.leaves(gw, s, Math.min(cp.size, s + LEAF_CHUNK))) f.push(l);
    }
    const root = f.root();
    if (f.size !== cp.size || !root.equals(cp.rootHash)) {
      this.m.checkpoints.inc({ result: 'tamper' });
      await this.tamper(gw, `checkpoint ${cp.size} signed by ${gw} does not match the records the hub holds: rewritten history; ${gw} quarantined`, {
        size: cp.size,
        signedRoot: cp.root,
        heldRoot: root.toString('base64'),
        verified: g.verified,
      });
      return;
    }
    const receipt = this.makeReceipt(cp);
    await this.store.setVerified(gw, g.verified, { size: cp.size, root: cp.root, note: cp.note, ts: Date.now() }, f.serialize());
    await this.store.putReceipt(gw, receipt);
    this.m.checkpoints.inc({ result: 'verified' });
    this.publishReceipt(gw, receipt);
  }

  private makeReceipt(cp: PendingCheckpoint): HubReceipt {
    const timeSec = Math.floor(Date.now() / 1000);
    const cosignature = cosign(this.key, noteBody(cp.note), timeSec);
    return { size: cp.size, root: cp.root, cosignature, time: timeSec * 1000, note: cosignedNote(cp.note, this.key.name, cosignature) };
  }

  private publishReceipt(gw: string, r: HubReceipt): void {
    this.m.receipts.inc();
    this.client?.publish(topics.receipt(gw), JSON.stringify({ size: r.size, root: r.root, cosignature: r.cosignature, time: r.time, note: r.note }), { qos: 1 }, () => undefined);
  }

  // -----------------------------------------------------------------------------------------------
  // Evidence, status, commands

  private async onEvidence(gw: string, sha: string, payload: Buffer): Promise<void> {
    if (!SHA256_HEX.test(sha)) return;
    if (payload.length > this.cfg.maxEvidenceBytes) {
      this.m.evidence.inc({ result: 'invalid' });
      await this.alarm(gw, 'invalid', `photo ${sha} refused: larger than hub.maxEvidenceBytes`);
      return;
    }
    const g = await this.known(gw, 'photo');
    if (!g) return;
    if (createHash('sha256').update(payload).digest('hex') !== sha) {
      this.m.evidence.inc({ result: 'invalid' });
      await this.alarm(gw, 'invalid', `photo ${sha} refused: its bytes do not hash to its name`);
      return;
    }
    this.m.evidence.inc({ result: (await this.store.putEvidence(gw, sha, payload)) ? 'stored' : 'duplicate' });
  }

  private async onStatus(gw: string, payload: Buffer): Promise<void> {
    const s = payload.toString('utf8');
    if (s !== 'online' && s !== 'offline') return;
    if (await this.store.getGateway(gw)) await this.store.setOnline(gw, s === 'online', Date.now());
  }

  private async onCmdResult(gw: string, payload: Buffer): Promise<void> {
    let r: CommandResult;
    try {
      r = JSON.parse(payload.toString('utf8')) as CommandResult;
    } catch {
      return;
    }
    if (typeof r !== 'object' || r === null || typeof r.id !== 'string') return;
    const c = await this.store.command(r.id);
    if (!c || c.gw !== gw) return;
    await this.store.setCommandResult(r.id, r.status === 'ok' ? 'ok' : 'error', r, Date.now());
    this.waiters.get(r.id)?.(r);
  }

  /**
   * Send a command to a gateway (signed with the hub key) and wait for its result. `args.by`
   * should name the person at the hub who issued it.
   */
  async sendCommand(gw: string, name: string, args: Record<string, unknown>, timeoutMs = COMMAND_TIMEOUT_MS): Promise<CommandResult | { id: string; status: 'timeout' }> {
    const client = this.client;
    if (!client || !this.connectedFlag) throw new Error('the hub is not connected to the broker');
    if (!(await this.store.getGateway(gw))) throw new Error(`unknown gateway ${gw}`);
    const id = typeof args.id === 'string' ? args.id : randomUUID();
    const cmd: Record<string, unknown> = { ...args, id, ts: Date.now() };
    delete cmd.sig;
    cmd.sig = signCommand(this.key, gw, name, cmd);
    const existing = await this.store.command(id);
    if (!existing) await this.store.putCommand({ id, gw, name, args: cmd, ts: Date.now(), status: 'sent', result: null, resultTs: null });
    const result = new Promise<CommandResult | { id: string; status: 'timeout' }>((resolve) => {
      const t = setTimeout(() => {
        this.waiters.delete(id);
        resolve({ id, status: 'timeout' });
      }, timeoutMs);
      this.waiters.set(id, (r) => {
        clearTimeout(t);
        this.waiters.delete(id);
        resolve(r);
      });
    });
    client.publish(topics.cmd(gw, name), JSON.stringify(cmd), { qos: 1 }, () => undefined);
    const r = await result;
    if (r.status === 'timeout') await this.store.setCommandResult(id, 'timeout', null, Date.now());
    return r;
  }
}

/** Build a hub from the configuration: store, key, configured gateways, broker connection. */
export async function startHub(cfg: Config, log: Logger, opts: { store?: HubStore; connectTimeoutMs?: number } = {}): Promise<Hub> {
  const hub = new Hub({ cfg, log: child(log, 'hub'), store: opts.store });
  try {
    await hub.registerConfigured(cfg.hub.gateways);
    await hub.connect(cfg.hub.broker, opts.connectTimeoutMs);
  } catch (e) {
    await hub.stop();
    throw e;
  }
  return hub;
}
