/** Shapes of provisioned devices and users: one schema each, shared by the CLI, the API and the store. */
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '../core/validate.js';

export const PROFILES = ['seal-ssp1-serial', 'seal-mqtt', 'lift-modbus', 'lift-kit-mqtt'] as const;
export const ROLES = ['keeper', 'approver', 'inspector', 'maintainer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Device and user ids appear in MQTT topics: no wildcards, no separators. */
export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$';

export const DeviceSchema = Type.Object(
  {
    id: Type.String({ pattern: ID_PATTERN }),
    profile: StringEnum(PROFILES),
    name: Type.Optional(Type.String({ maxLength: 100 })),
    port: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    baud: Type.Optional(Type.Integer({ minimum: 1200, maximum: 921600 })),
    slave: Type.Optional(Type.Integer({ minimum: 1, maximum: 247 })),
    ratedSpeed: Type.Optional(Type.Integer({ minimum: 100, maximum: 10000, description: 'mm/s' })),
    floors: Type.Optional(
      Type.Object({ lo: Type.Integer({ minimum: -20, maximum: 200 }), hi: Type.Integer({ minimum: -20, maximum: 200 }) }),
    ),
  },
  { additionalProperties: false },
);
export type Device = Static<typeof DeviceSchema>;

export const UserSchema = Type.Object(
  {
    name: Type.String({ pattern: ID_PATTERN }),
    role: StringEnum(ROLES),
    displayName: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);
export type User = Static<typeof UserSchema>;
