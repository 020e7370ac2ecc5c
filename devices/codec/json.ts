/** Strict UTF-8 JSON object parsing shared by the profiles: every failure has a reason. */

export type JsonRejectReason = 'bad_json' | 'not_object' | 'too_long';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export type JsonObjectResult =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; reason: JsonRejectReason; errors: string[] };

/** Parse bytes (strict UTF-8) or a string as a JSON object; arrays, primitives and null are `not_object`. */
export function parseJsonObject(input: Uint8Array | string, maxBytes = Infinity): JsonObjectResult {
  if (input.length > maxBytes) {
    return { ok: false, reason: 'too_long', errors: [`/: payload of ${input.length} bytes exceeds ${maxBytes}`] };
  }
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = utf8.decode(input);
    } catch {
      return { ok: false, reason: 'bad_json', errors: ['/: payload is not valid UTF-8'] };
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: 'bad_json', errors: [`/: ${(e as Error).message}`] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return { ok: false, reason: 'not_object', errors: [`/: payload is ${what}, expected a JSON object`] };
  }
  return { ok: true, value: value as Record<string, unknown> };
}
