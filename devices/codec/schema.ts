/** Schema building blocks shared by the device profiles (TypeBox, validated by src/core/validate.ts). */
import { Type, type SchemaOptions, type Static, type TSchema } from '@sinclair/typebox';
import { compile, type Check } from '../../src/core/validate.js';

export const Uint16 = Type.Integer({ minimum: 0, maximum: 0xffff });
export const Uint32 = Type.Integer({ minimum: 0, maximum: 0xffffffff });
/** UTC epoch milliseconds (the sender's clock). */
export const EpochMs = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** Identifier safe inside an MQTT topic level and a file name: no `/`, `+`, `#`, spaces or control characters. */
export const SAFE_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$';
export const SafeId = Type.String({ pattern: SAFE_ID_PATTERN });
export const isSafeId = (s: string): boolean => new RegExp(SAFE_ID_PATTERN).test(s);

/** Non-empty text of at most `max` characters. */
export const Text = (max: number, opts: SchemaOptions = {}) => Type.String({ minLength: 1, maxLength: max, ...opts });

/** An integer enum as a plain JSON-schema `enum` (one clear error instead of a union's many). */
export function IntEnum<T extends readonly number[]>(values: T, opts: SchemaOptions = {}) {
  return Type.Unsafe<T[number]>({ type: 'integer', enum: [...values], ...opts });
}

/** SHA-256 as 64 hex digits, or null (one schema, one error message). */
export const Sha256HexOrNull = Type.Unsafe<string | null>({ type: ['string', 'null'], pattern: '^[0-9a-fA-F]{64}$' });

/** Non-negative integer, or null. */
export const Uint16OrNull = Type.Unsafe<number | null>({ type: ['integer', 'null'], minimum: 0, maximum: 0xffff });

/**
 * `compile` from src/core/validate.ts with wording for wire payloads: an unexpected property is an
 * "unknown field" (the core wording speaks of settings).
 */
export function compilePayload<S extends TSchema>(schema: S): Check<Static<S>> {
  const check = compile(schema);
  return (value: unknown) => {
    const r = check(value);
    if (r.ok) return r;
    return { ok: false, errors: r.errors.map((e) => e.replace(/: unknown setting$/, ': unknown field')) };
  };
}
