/** One validator for every schema: TypeBox schemas compiled by Ajv, errors reported with their paths. */
import { Type, type TSchema, type Static, type SchemaOptions } from '@sinclair/typebox';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { Cron } from 'croner';
import { isTimeZone } from './time.js';

// ajv-formats is CommonJS with a default export
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Whether `s` is a cron expression (5 fields, or 6 with seconds first) the scheduler accepts. */
export function isCron(s: string): boolean {
  try {
    new Cron(s, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

/** ajv-formats' formats, `time-zone` (an IANA zone name the platform knows) and `cron`. */
function withFormats(ajv: Ajv): Ajv {
  return addFormats(ajv).addFormat('time-zone', { type: 'string', validate: isTimeZone }).addFormat('cron', { type: 'string', validate: isCron });
}

const ajvStrict = withFormats(new Ajv({ allErrors: true, useDefaults: true, coerceTypes: false, strict: false }));
const ajvCoerce = withFormats(new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, strict: false }));

export function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    let path = e.instancePath || '/';
    if (e.keyword === 'additionalProperties') {
      path = `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}`;
      return `${path}: unknown setting`;
    }
    if (e.keyword === 'required') {
      return `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}: is required`;
    }
    return `${path}: ${e.message ?? 'is invalid'}`;
  });
}

export type Check<T> = (value: unknown) => { ok: true; value: T } | { ok: false; errors: string[] };

export function compile<S extends TSchema>(schema: S, opts: { useDefaults?: boolean; coerce?: boolean } = {}): Check<Static<S>> {
  const v = (opts.coerce ? ajvCoerce : ajvStrict).compile(schema);
  return (value: unknown) => {
    if (v(value)) return { ok: true, value: value as Static<S> };
    // anyOf/union noise: keep the most useful messages, dedupe
    return { ok: false, errors: [...new Set(formatErrors(v.errors))] };
  };
}

/** A string enum as a plain JSON-schema `enum` (one clear error message instead of a union's many). */
export function StringEnum<T extends readonly string[]>(values: T, opts: SchemaOptions = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...opts });
}
