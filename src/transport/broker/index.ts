/**
 * The embedded, secured MQTT broker of the gateway (aedes 1.x behind a frame guard).
 *
 * Security and limits, in the order a connection meets them:
 *  1. listener.ts   — maxConnections (extra sockets destroyed at once), connect timeout.
 *  2. frame-guard.ts — maxPacketBytes checked on each fixed header before the body is read.
 *  3. preConnect    — sessions are forced clean (no offline queues to grow without bound).
 *  4. authenticate  — anonymous, malformed ids, wrong secrets, foreign clientIds, wills outside the
 *                     ACL and clientId takeover are refused (the first connection is kept).
 *  5. acl.ts        — publish/subscribe scopes per principal; refused publish closes the client,
 *                     refused subscribe gets SUBACK 0x80.
 *  6. ingest.ts     — device publishes are committed (onDevicePublish) before PUBACK.
 *  7. requests.ts   — `sealift/{gw}/request/{name}` → `sealift/{gw}/response/{name}`.
 *
 * Routing decisions: device publishes are routed by aedes after commit, but nobody other than the
 * gateway can subscribe to `dev/#`, so they reach no one. Requests are never forwarded to other
 * users (they are private between a user and the gateway); responses are visible to every user
 * subscribed to them. Client publishes never set retained messages (the retain flag is cleared):
 * only the gateway's own `publish()` retains, which keeps the retained store bounded.
 */
import {
  Aedes,
  type AedesPublishPacket,
  type AuthenticateError,
  type Client,
  type ConnectPacket,
  type PublishPacket,
  type Subscription,
} from 'aedes';
import type { Logger } from 'pino';
import { writeToStream } from 'mqtt-packet';
import { Gauge, type Registry } from 'prom-client';
import { ClientAcl, clip, topicLevels } from './acl.js';
import { clientIdAllowed, isValidId } from './identity.js';
import { DeviceIngest } from './ingest.js';
import { SocketListener } from './listener.js';
import { GuardedConnection } from './frame-guard.js';
import { BrokerRefusal, CONNACK, Refusals } from './refusals.js';
import { RequestRouter, type RequestSlot } from './requests.js';
// mqtt-packet (aedes' and MQTT.js' encoder) otherwise builds, on its first write, a table of 65,536
// two-byte Buffers for packet ids: ≈ 7 MB of heap for the life of the process, to save allocating
// two bytes per packet. On a gateway that must live in ≈ 120 MB that is a bad trade.
writeToStream.cacheNumbers = false;

import type {
  BrokerOptions,
  BrokerStats,
  Principal,
  PublishOptions,
  RefusalEvent,
  RefusalReason,
  RequestHandler,
} from './types.js';

export type {
  BrokerOptions,
  BrokerStats,
  Principal,
  PublishOptions,
  QoS,
  RefusalEvent,
  RefusalReason,
  RequestHandler,
} from './types.js';
export { BrokerRefusal, REJECTED_METRIC, rejectedCounter } from './refusals.js';
export type { Response as RequestResponse, RequestError } from './requests.js';

/** aedes refuses topics deeper than this itself (its router's hard ceiling). */
const AEDES_MAX_TOPIC_LEVELS = 100;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;
/** stop(): how long to wait for uncommitted device publishes, and for sockets to flush. */
const STOP_COMMIT_WAIT_MS = 5_000;
const STOP_FLUSH_WAIT_MS = 250;

/** Errors aedes raises on its own, mapped to refusal reasons. */
const AEDES_ERRORS: [RegExp, RefusalReason][] = [
  [/^topic has too many levels/, 'topic_too_deep'],
  [/^Client queue limit reached/, 'queue_limit'],
  [/^maxInflightInbound exceeded/, 'inflight_limit'],
  [/^drain timeout/, 'drain_timeout'],
];

interface ClientState extends RequestSlot {
  principal: Principal;
  acl: ClientAcl;
  ingest: DeviceIngest | null;
  /** aedes has put the client in its registry (its 'client' event fired). */
  registered: boolean;
  /** onClientConnected was called and onClientDisconnected not yet. */
  announced: boolean;
  /** A refusal is closing this client: later packets of the same read are refused uncounted. */
  closing: boolean;
}

interface PendingConnect {
  will: { topic: string } | undefined;
}

export class EmbeddedBroker {
  private readonly log: Logger;
  private readonly refusals: Refusals;
  private readonly listener: SocketListener;
  private readonly requests: RequestRouter;
  private readonly clientsGauge: Gauge | null;
  private aedes: Aedes | null = null;
  private stopping = false;
  private stopPromise: Promise<void> | null = null;
  private _port = 0;

  /** Connection state, set once authenticated. */
  private readonly states = new WeakMap<Client, ClientState>();
  /** clientIds in use: reserved at authentication, released when the client is gone. */
  private readonly ids = new Map<string, Client>();
  /** The aedes client of each guarded connection (to name the client in frame-guard refusals). */
  private readonly clientOf = new WeakMap<GuardedConnection, Client>();
  /** The will of a CONNECT, kept between preConnect and authenticate. */
  private readonly connecting = new WeakMap<Client, PendingConnect>();
  /** Device commits in progress, awaited by stop(). */
  private readonly commits = new Set<Promise<void>>();
  private devicePublishes = 0;
  /** Clients past CONNACK and not yet gone (our own count: aedes' can drift when a client
   * disconnects during its CONNECT handshake). */
  private connected = 0;
  private readonly answered = { ok: 0, error: 0 };
  private readonly requestPrefix: string;

  constructor(private readonly opts: BrokerOptions) {
    this.log = opts.log;
    this.requestPrefix = `sealift/${opts.gw}/request/`;
    this.refusals = new Refusals(this.log, opts.metrics, opts.onRefusal);
    this.clientsGauge = opts.metrics ? clientsGauge(opts.metrics) : null;
    this.listener = new SocketListener({
      host: opts.host,
      port: opts.port,
      maxConnections: opts.maxConnections,
      maxPacketBytes: opts.maxPacketBytes,
      connectTimeoutMs: opts.connectTimeoutMs,
      log: this.log,
      onConnection: (conn) => this.handle(conn),
      refuse: (reason, detail, remote, conn) => {
        const client = conn ? this.clientOf.get(conn) : undefined;
        const st = client ? this.states.get(client) : undefined;
        this.refuse({ reason, detail, remote, clientId: st ? client?.id : undefined, principal: st?.principal });
      },
    });
    this.requests = new RequestRouter({
      gw: opts.gw,
      log: this.log,
      timeoutMs: opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      maxInflight: opts.maxInflightPerClient,
      send: (topic, payload, qos) => this.publish(topic, payload, { qos }),
      refuse: (reason, detail) => this.refuse({ reason, detail }),
      answered: (status) => this.answered[status]++,
    });
  }

  /** The port listened on (the real one when `port` was 0); 0 before start(). */
  get port(): number {
    return this._port;
  }

  get started(): boolean {
    return this.aedes !== null && !this.stopping;
  }

  /** Listen, then publish retained `sealift/{gw}/status` = `online`. */
  async start(): Promise<void> {
    if (this.aedes) throw new Error('broker already started');
    const o = this.opts;
    const aedes = await Aedes.createBroker({
      id: `sealift-${o.gw}`,
      connectTimeout: o.connectTimeoutMs,
      // aedes' own ceiling (closes the connection); our ACL enforces o.maxTopicLevels below it so
      // a too-deep filter gets SUBACK 0x80 like any other refused filter
      maxTopicLevels: AEDES_MAX_TOPIC_LEVELS,
      maxInflightInbound: o.maxInflightPerClient,
      maxClientsIdLength: 64,
      drainTimeout: o.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS,
      preConnect: (client, packet, cb) => this.preConnect(client, packet, cb),
      authenticate: (client, username, password, cb) => {
        this.authenticate(client, username, password).then(
          () => cb(null, true),
          (err: unknown) => {
            const returnCode = err instanceof BrokerRefusal && err.returnCode ? err.returnCode : CONNACK.notAuthorized;
            const e = err instanceof Error ? err : new Error(String(err));
            cb(Object.assign(e, { returnCode }) as AuthenticateError, false);
          },
        );
      },
      authorizePublish: (client, packet, cb) => this.authorizePublish(client, packet, cb),
      authorizeSubscribe: (client, sub, cb) => this.authorizeSubscribe(client, sub, cb),
      authorizeForward: (client, packet) => this.authorizeForward(client, packet),
    });
    this.aedes = aedes;
    aedes.on('client', (client) => {
      const st = this.states.get(client);
      if (st) st.registered = true;
    });
    aedes.on('clientReady', (client) => this.onReady(client));
    aedes.on('clientDisconnect', (client) => {
      this.releaseId(client);
      this.gone(client);
    });
    aedes.on('clientError', (client, err) => this.onAedesError(client, err));
    aedes.on('connectionError', (client, err) => this.onAedesError(client, err));
    try {
      this._port = await this.listener.listen();
    } catch (err) {
      this.aedes = null;
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      throw err;
    }
    await this.publish(this.statusTopic, 'online', { retain: true, qos: 1 });
    this.log.info({ host: o.host, port: this._port }, 'broker listening');
  }

  /**
   * Publish retained `offline`, close every client and the server. Device wills are not processed
   * while stopping (the gateway went away, not the device). Resolves once in-flight device commits
   * have settled (at most 5 s), so the journal can be closed after it.
   */
  stop(): Promise<void> {
    if (!this.stopPromise) this.stopPromise = this.doStop().finally(() => (this.stopPromise = null));
    return this.stopPromise;
  }

  private async doStop(): Promise<void> {
    const aedes = this.aedes;
    if (!aedes) return;
    this.stopping = true;
    const accepting = this.listener.stopAccepting();
    try {
      await this.publishNow(aedes, this.statusTopic, Buffer.from('offline'), { retain: true, qos: 1 });
      await this.flush(STOP_FLUSH_WAIT_MS);
    } catch (err) {
      this.log.warn({ err }, 'could not publish offline status');
    }
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    this.listener.destroyAll();
    await accepting;
    await settleWithin([...this.commits], STOP_COMMIT_WAIT_MS);
    this.aedes = null;
    this.stopping = false;
    this.log.info('broker stopped');
  }

  /**
   * Publish as the gateway (bypasses the ACL): `sealift/{gw}/...` topics, `dev/{id}/down/...`
   * commands, and periodically `sealift/{gw}/health` (retained). A crash leaves the retained
   * status `online`; a stale `health` timestamp is how a reader tells.
   */
  publish(topic: string, payload: string | Uint8Array, options: PublishOptions = {}): Promise<void> {
    const aedes = this.aedes;
    if (!aedes || this.stopping) return Promise.reject(new Error('broker is not running'));
    if (topic.length === 0 || /[+#\0]/.test(topic) || topic.startsWith('$')) {
      return Promise.reject(new Error(`invalid topic for publish: ${JSON.stringify(clip(topic))}`));
    }
    if (topicLevels(topic) > AEDES_MAX_TOPIC_LEVELS) return Promise.reject(new Error('topic has too many levels'));
    const buf = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
    return this.publishNow(aedes, topic, buf, options);
  }

  /** Serve `sealift/{gw}/request/{name}`; returns a function that removes the handler. */
  onRequest(name: string, handler: RequestHandler): () => void {
    return this.requests.on(name, handler);
  }

  /**
   * Close every connection of a user (disabled, or given another role: they reconnect with the
   * ACL of their new role, or not at all). Returns how many were closed.
   */
  disconnectUser(name: string): number {
    let n = 0;
    for (const client of this.ids.values()) {
      const p = this.states.get(client)?.principal;
      if (p?.kind !== 'user' || p.id !== name || client.closed) continue;
      client.close();
      n++;
    }
    if (n > 0) this.log.info({ user: name, connections: n }, 'user disconnected by the admin');
    return n;
  }

  stats(): BrokerStats {
    return {
      clients: this.connected,
      connections: this.listener.conns.size,
      rejected: { ...this.refusals.counts },
      packetsIn: this.listener.packetsIn,
      devicePublishes: this.devicePublishes,
      requests: { ...this.answered },
    };
  }

  // ---------------------------------------------------------------- aedes hooks

  private get statusTopic(): string {
    return `sealift/${this.opts.gw}/status`;
  }

  private handle(conn: GuardedConnection): void {
    const aedes = this.aedes;
    if (!aedes || this.stopping) {
      conn.destroy();
      return;
    }
    this.clientOf.set(conn, aedes.handle(conn));
  }

  private preConnect(client: Client, packet: ConnectPacket, cb: (e: Error | null, ok: boolean) => void): void {
    if (client.conn instanceof GuardedConnection) client.conn.markConnected();
    if (this.stopping) return cb(new BrokerRefusal('auth_error', 'broker stopping', CONNACK.serverUnavailable), false);
    // no persistent sessions: offline queues of QoS 1 messages would grow without bound, and
    // aedes' memory persistence does not survive a restart anyway. Clients get sessionPresent=0.
    packet.clean = true;
    this.connecting.set(client, { will: packet.will ? { topic: packet.will.topic } : undefined });
    cb(null, true);
  }

  /** Resolves when the client may connect; rejects with a BrokerRefusal carrying the CONNACK code. */
  private async authenticate(client: Client, username: string | undefined, password: Buffer | undefined): Promise<void> {
    const pending = this.connecting.get(client);
    this.connecting.delete(client);
    const clientId = client.id;
    const remote = remoteOf(client);
    const fail = (reason: RefusalReason, detail: string, returnCode: number, principal?: Principal): BrokerRefusal => {
      this.refuse({ reason, detail, clientId: clip(String(clientId), 80), username: username && clip(username, 80), principal, remote });
      return new BrokerRefusal(reason, detail, returnCode);
    };
    if (username === undefined || username === '') throw fail('anonymous', 'no username', CONNACK.notAuthorized);
    if (!isValidId(username)) throw fail('bad_identity', 'malformed username', CONNACK.badUsernameOrPassword);
    if (!isValidId(clientId)) throw fail('bad_identity', 'malformed clientId', CONNACK.identifierRejected);
    if (!password || password.length === 0) throw fail('anonymous', 'no password', CONNACK.badUsernameOrPassword);
    // cheap checks first, so an obvious refusal costs no password hashing (the takeover check
    // comes after authentication: an unauthenticated client must not learn who is connected)
    if (clientId !== username && !clientId.startsWith(username + ':')) {
      throw fail('client_id_mismatch', 'clientId does not belong to username', CONNACK.identifierRejected);
    }

    let principal: Principal | null;
    try {
      principal = await this.opts.auth(username, password);
    } catch (err) {
      this.log.error({ err, username: clip(username, 80) }, 'broker auth callback failed');
      throw fail('auth_error', 'authentication unavailable', CONNACK.serverUnavailable);
    }
    if (!principal) throw fail('bad_credentials', 'wrong username or secret', CONNACK.badUsernameOrPassword);
    if (!clientIdAllowed(principal, username, clientId)) {
      throw fail('client_id_mismatch', `clientId not allowed for ${principal.kind}`, CONNACK.identifierRejected, principal);
    }
    const acl = new ClientAcl(principal, this.opts.gw, this.opts.maxTopicLevels);
    const will = pending?.will;
    if (will) {
      const d = acl.canPublish(will.topic);
      if (!d.ok || d.kind !== 'device') {
        throw fail('will_denied', `will topic not allowed: ${clip(will.topic)}`, CONNACK.notAuthorized, principal);
      }
    }
    // after the await, synchronously with the reservation: concurrent connections with one id
    // cannot both pass
    if (this.ids.has(clientId)) throw fail('takeover', 'clientId already connected', CONNACK.identifierRejected, principal);
    if (client.closed || this.stopping) throw new BrokerRefusal('auth_error', 'connection closed during authentication');

    this.ids.set(clientId, client);
    client.conn.once('close', () => {
      // once registered, aedes still holds the id until it emits clientDisconnect: release then,
      // or a quick reconnect would be registered while aedes unregisters the old client by id
      if (!this.states.get(client)?.registered) this.releaseId(client);
      this.gone(client);
    });
    const ingest =
      principal.kind === 'device'
        ? new DeviceIngest((sub, payload, qos) => this.opts.onDevicePublish(principal.id, sub, payload, qos), this.opts.maxInflightPerClient)
        : null;
    this.states.set(client, { principal, acl, ingest, registered: false, announced: false, closing: false, requests: 0 });
  }

  private authorizePublish(client: Client | null, packet: PublishPacket, cb: (err?: Error | null) => void): void {
    const st = client ? this.states.get(client) : undefined;
    if (!client || !st) return cb(new BrokerRefusal('publish_denied', 'no authenticated client'));
    // a will fired because the gateway is shutting down is not the device going offline
    if (this.stopping) return cb(new BrokerRefusal('publish_denied', 'broker stopping'));
    // the rest of a read chunk after a refusal (the will, sent once closed, still counts)
    if (st.closing && !client.closed) return cb(new BrokerRefusal('publish_denied', 'client is being closed'));
    const d = st.acl.canPublish(packet.topic);
    if (!d.ok) {
      st.closing = true;
      this.refuse({ reason: d.reason, detail: d.detail, clientId: client.id, principal: st.principal, remote: remoteOf(client) });
      return cb(new BrokerRefusal(d.reason, d.detail));
    }
    packet.retain = false;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    if (d.kind === 'request') {
      // answered in the background; the request itself is acknowledged and not forwarded
      this.requests.dispatch(d.name, payload, st.principal, packet.qos, st);
      return cb(null);
    }
    const ingest = st.ingest!;
    if (ingest.full) {
      st.closing = true;
      const detail = `${ingest.pending} publishes awaiting commit`;
      this.refuse({ reason: 'inflight_limit', detail, clientId: client.id, principal: st.principal, remote: remoteOf(client) });
      return cb(new BrokerRefusal('inflight_limit', detail));
    }
    const done = ingest.submit(d.subtopic, payload, packet.qos);
    const tracked = done.then(
      () => {
        this.devicePublishes++;
        // committed, but nobody left to acknowledge (or it was the will): nothing to route either
        if (client.closed) return cb(new BrokerRefusal('publish_denied', 'client closed before its ack'));
        cb(null);
      },
      (err: unknown) => {
        st.closing = true;
        const detail = `commit failed: ${err instanceof Error ? err.message : String(err)}`;
        this.refuse({ reason: 'commit_failed', detail, clientId: client.id, principal: st.principal, remote: remoteOf(client) });
        // no PUBACK; aedes closes the connection and the device retransmits after reconnecting
        cb(new BrokerRefusal('commit_failed', detail));
      },
    );
    this.commits.add(tracked);
    void tracked.finally(() => this.commits.delete(tracked));
  }

  private authorizeSubscribe(client: Client, sub: Subscription, cb: (err: Error | null, sub?: Subscription | null) => void): void {
    const st = this.states.get(client);
    if (!st) return cb(null, null);
    const d = st.acl.canSubscribe(sub.topic);
    if (!d.ok) {
      this.refuse({ reason: d.reason, detail: d.detail, clientId: client.id, principal: st.principal, remote: remoteOf(client) });
      return cb(null, null); // SUBACK 0x80 for this filter, the connection stays
    }
    cb(null, sub);
  }

  private authorizeForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
    const st = this.states.get(client);
    if (!st || !st.acl.canRead(packet.topic)) return null;
    if (st.principal.kind === 'user') {
      if (packet.topic.startsWith(this.requestPrefix)) return null;
      const filter = this.opts.userCanRead;
      if (filter) {
        try {
          if (!filter(st.principal, packet.topic)) return null;
        } catch (err) {
          this.log.error({ err }, 'userCanRead threw');
          return null;
        }
      }
    }
    return packet;
  }

  // ---------------------------------------------------------------- events

  private onReady(client: Client): void {
    const st = this.states.get(client);
    if (!st || st.announced || client.closed) return;
    st.announced = true;
    this.connected++;
    this.clientsGauge?.set(this.connected);
    this.log.debug({ clientId: client.id, principal: `${st.principal.kind}:${st.principal.id}` }, 'broker client connected');
    this.callHook('onClientConnected', () => this.opts.onClientConnected?.(st.principal, client.id));
  }

  private releaseId(client: Client): void {
    if (client.id && this.ids.get(client.id) === client) this.ids.delete(client.id);
  }

  private gone(client: Client): void {
    const st = this.states.get(client);
    if (!st || !st.announced) return;
    st.announced = false;
    this.connected--;
    this.clientsGauge?.set(this.connected);
    this.log.debug({ clientId: client.id }, 'broker client disconnected');
    this.callHook('onClientDisconnected', () => this.opts.onClientDisconnected?.(st.principal, client.id));
  }

  private onAedesError(client: Client, err: Error): void {
    if (err instanceof BrokerRefusal) return; // ours, already counted
    const msg = err?.message ?? String(err);
    for (const [re, reason] of AEDES_ERRORS) {
      if (re.test(msg)) {
        const st = this.states.get(client);
        this.refuse({ reason, detail: msg, clientId: client?.id ?? undefined, principal: st?.principal, remote: remoteOf(client) });
        return;
      }
    }
    this.log.debug({ clientId: client?.id, err: msg }, 'broker client error');
  }

  // ---------------------------------------------------------------- helpers

  private refuse(e: RefusalEvent): void {
    this.refusals.record(e);
  }

  private callHook(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err }, `${name} hook threw`);
    }
  }

  private publishNow(aedes: Aedes, topic: string, payload: Buffer, o: PublishOptions): Promise<void> {
    const packet: PublishPacket = { cmd: 'publish', topic, payload, qos: o.qos ?? 0, retain: o.retain ?? false, dup: false };
    return new Promise((resolve, reject) => aedes.publish(packet, (err) => (err ? reject(err) : resolve())));
  }

  /** Give queued writes (e.g. the offline status) a moment to reach the sockets. */
  private async flush(maxMs: number): Promise<void> {
    const until = Date.now() + maxMs;
    await new Promise((r) => setImmediate(r));
    while (Date.now() < until) {
      let pending = 0;
      for (const c of this.listener.conns) pending += c.pendingBytes;
      if (pending === 0) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

function remoteOf(client: Client | null | undefined): string | undefined {
  const conn = client?.conn;
  return conn instanceof GuardedConnection ? conn.remote : undefined;
}

function clientsGauge(registry: Registry): Gauge {
  const name = 'sealift_broker_clients';
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Gauge) return existing;
  return new Gauge({ name, help: 'Authenticated MQTT clients connected to the embedded broker', registers: [registry] });
}

async function settleWithin(promises: Promise<unknown>[], ms: number): Promise<void> {
  if (promises.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(promises),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
