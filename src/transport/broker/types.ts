/** Public types of the embedded broker. */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/** Who is behind an MQTT connection, as decided by the `auth` callback. */
export type Principal = { kind: 'device'; id: string } | { kind: 'user'; id: string; role: string };

export type QoS = 0 | 1 | 2;

/**
 * Why something was refused. Every refusal is counted under `broker_<reason>` in
 * `sealift_rejected_total{reason}` and in `stats().rejected`.
 */
export type RefusalReason =
  | 'anonymous' // CONNECT without username (or without password)
  | 'bad_identity' // username / clientId empty, too long, or containing + # / NUL
  | 'bad_credentials' // auth() returned null
  | 'auth_error' // auth() threw: refused with "server unavailable"
  | 'client_id_mismatch' // clientId does not belong to the authenticated username
  | 'takeover' // clientId already connected (the first connection is kept)
  | 'will_denied' // CONNECT carries a will the principal may not publish
  | 'publish_denied' // PUBLISH outside the principal's ACL: connection closed
  | 'subscribe_denied' // SUBSCRIBE outside the ACL: SUBACK 0x80
  | 'topic_too_deep' // more than maxTopicLevels levels
  | 'packet_too_large' // a fixed header announced more than maxPacketBytes
  | 'malformed_packet' // a fixed header the frame guard cannot read
  | 'max_connections' // socket accepted beyond maxConnections
  | 'connect_timeout' // no CONNECT within connectTimeoutMs
  | 'inflight_limit' // more than maxInflightPerClient uncommitted device publishes
  | 'commit_failed' // onDevicePublish rejected: no PUBACK, connection closed
  | 'queue_limit' // aedes queue before CONNACK overflowed
  | 'drain_timeout' // a subscriber that stopped reading was disconnected
  | 'request_malformed' // request payload not a JSON object with a transaction
  | 'request_unknown' // no handler for the request name
  | 'request_busy'; // too many unanswered requests from one client

export interface RefusalEvent {
  reason: RefusalReason;
  detail: string;
  clientId?: string | undefined;
  username?: string | undefined;
  principal?: Principal | undefined;
  remote?: string | undefined;
}

export interface BrokerOptions {
  /** Listen address; keep loopback unless devices connect over the network. */
  host: string;
  /** 0 = ephemeral; read `broker.port` after `start()`. */
  port: number;
  /** Gateway id used in `sealift/{gw}/...` topics. */
  gw: string;
  maxPacketBytes: number;
  maxConnections: number;
  maxInflightPerClient: number;
  maxTopicLevels: number;
  connectTimeoutMs: number;
  log: Logger;
  /** Resolve the principal for a username/password, or null to refuse. */
  auth: (username: string, password: Buffer) => Promise<Principal | null>;
  /**
   * Commit a device publish (`dev/{deviceId}/up/{subtopic}`). The PUBACK is sent only after the
   * returned promise resolves. Resolve for input that was stored OR deliberately discarded (a bad
   * payload is counted by the domain, and acknowledging it stops the device from retransmitting it
   * forever); reject only when the event could not be committed (the client is then disconnected
   * without an ack and retransmits later).
   */
  onDevicePublish: (deviceId: string, subtopic: string, payload: Buffer, qos: QoS) => Promise<void>;

  /**
   * Optional prom-client registry: registers the `sealift_broker_clients` gauge and counts refusals
   * in `sealift_rejected_total{reason="broker_…"}` (reused if already registered, e.g. by core/metrics).
   */
  metrics?: Registry | undefined;
  /** Optional hook for every refusal (e.g. journal `user.denied`). Must not throw. */
  onRefusal?: ((event: RefusalEvent) => void) | undefined;
  /** Called once a client's CONNECT is accepted (e.g. journal `device.online`). */
  onClientConnected?: ((principal: Principal, clientId: string) => void) | undefined;
  /** Called when an accepted client goes away. */
  onClientDisconnected?: ((principal: Principal, clientId: string) => void) | undefined;
  /**
   * Optional per-user read filter for `sealift/{gw}/...` topics (role-based views). Called on every
   * delivery to a user, so keep it cheap. Default: users read everything under `sealift/{gw}/`.
   */
  userCanRead?: ((principal: Extract<Principal, { kind: 'user' }>, topic: string) => boolean) | undefined;
  /** A request handler that has not answered after this long gets an error response. Default 30 s. */
  requestTimeoutMs?: number | undefined;
  /** Disconnect a subscriber whose socket did not drain for this long. Default 30 s. */
  drainTimeoutMs?: number | undefined;
}

export interface PublishOptions {
  retain?: boolean;
  qos?: QoS;
}

export type RequestHandler = (payload: unknown, principal: Principal) => Promise<unknown>;

export interface BrokerStats {
  /** Authenticated MQTT clients connected now. */
  clients: number;
  /** Open TCP sockets, including those that have not (yet) authenticated. */
  connections: number;
  /** Refusals by reason (`broker_…`). */
  rejected: Record<string, number>;
  /** MQTT packets received (counted by the frame guard, before aedes parses them). */
  packetsIn: number;
  /** Device publishes committed and acknowledged. */
  devicePublishes: number;
  /** Requests answered, by status. */
  requests: { ok: number; error: number };
}
