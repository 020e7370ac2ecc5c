/** Settings of `sealift hub` (section `hub` of the config file). See docs/upstream.md. */
import { Type } from '@sinclair/typebox';

const NullableString = (description: string) => Type.Union([Type.String({ minLength: 1 }), Type.Null()], { default: null, description });

export const HubConfigSchema = Type.Object(
  {
    broker: Type.String({
      pattern: '^(mqtts?|wss?|tcp|ssl)://',
      default: 'mqtt://127.0.0.1:1883',
      description: 'MQTT broker the gateways publish to; `sealift hub --broker URL` sets it.',
    }),
    dir: NullableString('Hub data directory (hub.db, keys/hub.key, photos/); null = `{data}/hub`.'),
    name: Type.String({
      pattern: '^[^\\s+]+$',
      default: 'sealift-hub',
      description: 'Name of the hub key, used in its cosignatures (e.g. hub.county.example.cn).',
    }),
    username: NullableString('Username on the broker.'),
    password: NullableString('Password on the broker (never logged).'),
    ca: NullableString('PEM file of the CA of the broker certificate (mqtts://).'),
    cert: NullableString('PEM client certificate file.'),
    key: NullableString('PEM private key file of the client certificate (TLS; the hub signing key is keys/hub.key).'),
    rejectUnauthorized: Type.Boolean({ default: true, description: 'Refuse a broker whose TLS certificate does not verify.' }),
    clientId: Type.String({ minLength: 1, default: 'sealift-hub', description: 'MQTT client id (persistent session).' }),
    protocolVersion: Type.Integer({ minimum: 4, maximum: 5, default: 4, description: 'MQTT protocol: 4 = 3.1.1, 5 = MQTT 5 (needed for sharedGroup).' }),
    sharedGroup: NullableString('MQTT 5 shared subscription group ($share/{group}/...) for several hub instances; null = plain subscriptions.'),
    gateways: Type.Array(
      Type.Object(
        {
          id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }),
          key: Type.String({ minLength: 1, description: 'Verifier key printed by `sealift keys show` on the gateway.' }),
        },
        { additionalProperties: false },
      ),
      {
        default: [],
        description: 'Known gateways and their verifier keys (in addition to `sealift hub gateway add GW --key VKEY`). Config file only.',
      },
    ),
    maxBatchBytes: Type.Integer({ minimum: 4096, default: 1024 * 1024, description: 'Larger journal batches are refused.' }),
    maxEvidenceBytes: Type.Integer({ minimum: 1024, default: 16 * 1024 * 1024, description: 'Larger photos are refused.' }),
    http: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: 'Serve the hub inspector pages and API (sites, stamp logs, photos, alarms, export, commands).' }),
        host: Type.String({ default: '127.0.0.1', description: 'Listen address of the hub inspector pages and API (0.0.0.0 for phones on the network: set a token).' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8090, description: 'Port of the hub inspector pages and API.' }),
        token: NullableString('Bearer token required by the hub API /api/* (not /api/site, the pages, /healthz, /metrics); the pages ask for it as 访问口令; null = none (keep it on loopback).'),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { default: {}, additionalProperties: false },
);
