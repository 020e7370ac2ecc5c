/** Settings of the upstream sync (section `upstream` of the config file). See docs/upstream.md. */
import { Type } from '@sinclair/typebox';

const NullableString = (description: string) => Type.Union([Type.String({ minLength: 1 }), Type.Null()], { default: null, description });

export const UpstreamConfigSchema = Type.Object(
  {
    url: Type.Union([Type.String({ pattern: '^(mqtts?|wss?|tcp|ssl)://' }), Type.Null()], {
      default: null,
      description: 'Upstream MQTT broker (mqtt://host:1883, mqtts://host:8883); null = no upstream sync. `--upstream URL` sets it.',
    }),
    username: NullableString('Username on the upstream broker.'),
    password: NullableString('Password on the upstream broker (never logged).'),
    ca: NullableString('PEM file of the CA that signed the upstream broker certificate (mqtts://); null = the system CAs.'),
    cert: NullableString('PEM client certificate file, for brokers that authenticate gateways by certificate.'),
    key: NullableString('PEM private key file of the client certificate.'),
    rejectUnauthorized: Type.Boolean({ default: true, description: 'Refuse an upstream broker whose TLS certificate does not verify.' }),
    clientId: NullableString('MQTT client id; null = `sealift-{gateway.id}`. The session is persistent (clean=false).'),
    protocolVersion: Type.Integer({ minimum: 4, maximum: 5, default: 4, description: 'MQTT protocol: 4 = 3.1.1, 5 = MQTT 5.' }),
    keepaliveSec: Type.Integer({ minimum: 5, maximum: 3600, default: 30, description: 'MQTT keepalive.' }),
    connectTimeoutMs: Type.Integer({ minimum: 500, default: 10_000, description: 'Give up a connection attempt after this long.' }),
    batchBytes: Type.Integer({
      minimum: 4096,
      maximum: 256 * 1024,
      default: 256 * 1024,
      description: 'Largest journal batch payload (a single larger record is sent alone).',
    }),
    inFlight: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 16,
      description: 'Journal batches published and not yet acknowledged by the broker (PUBACK) at once.',
    }),
    checkpointIntervalSec: Type.Number({
      minimum: 0.1,
      default: 10,
      description: 'While records are not yet covered by a hub receipt, a checkpoint is signed and sent this often, so the hub can receipt them.',
    }),
    receiptTimeoutSec: Type.Number({
      minimum: 0.5,
      default: 60,
      description: 'No receipt this long after sending a checkpoint: resend everything above the last receipt (doubles after each resend, up to 10 min).',
    }),
    reconnectMinMs: Type.Integer({ minimum: 10, default: 1000, description: 'First reconnect delay; doubles after each failure (with jitter).' }),
    reconnectMaxMs: Type.Integer({ minimum: 10, default: 60_000, description: 'Longest reconnect delay.' }),
    evidence: Type.Boolean({ default: true, description: 'Send stamp photos (`data.photo` of records) upstream after the journal.' }),
    evidenceMaxBytes: Type.Integer({ minimum: 1024, default: 8 * 1024 * 1024, description: 'Photos larger than this are not sent (logged).' }),
    hubKey: NullableString(
      'Verifier key of the hub (`sealift hub key`). When set, receipts must carry its cosignature and commands its signature; when null, receipts are only checked against our own checkpoints and commands are trusted because the broker lets only the hub publish them.',
    ),
    commands: Type.Boolean({ default: true, description: 'Accept remote commands from the hub (`sealift/v1/{gw}/cmd/{name}`).' }),
  },
  { default: {}, additionalProperties: false },
);
