// Twin property documents as IoT Hub keeps them: JSON objects that patches merge into.

export type TwinProperties = { [key: string]: unknown };

const isObject = (v: unknown): v is TwinProperties => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `patch` merged into `target` as IoT Hub merges a twin patch: objects merge key by key at every
 * depth, `null` removes the key, anything else (arrays included) replaces. A new object.
 */
export function mergeTwinPatch(target: TwinProperties, patch: TwinProperties): TwinProperties {
  const merged: TwinProperties = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else if (isObject(value)) merged[key] = mergeTwinPatch(isObject(merged[key]) ? merged[key] : {}, value);
    else merged[key] = value;
  }
  return merged;
}

// IoT Hub: keys exclude control characters, '.', '$' and space; objects nest at most 10 deep.
const BAD_KEY = /[\u0000-\u001f\u007f-\u009f.$ ]/;
const MAX_DEPTH = 10;
const MAX_KEY_BYTES = 1024;

/** Why IoT Hub would answer 400 to this patch, or undefined when it is acceptable. */
export function twinPatchProblem(patch: unknown, depth = 1): string | undefined {
  if (!isObject(patch)) return depth === 1 ? 'a twin patch must be a JSON object' : undefined;
  if (depth > MAX_DEPTH) return `objects nest more than ${MAX_DEPTH} deep`;
  for (const [key, value] of Object.entries(patch)) {
    if (key === '' || BAD_KEY.test(key)) return `key ${JSON.stringify(key)} has a character IoT Hub refuses (".", "$", space or a control character)`;
    if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `a key is longer than ${MAX_KEY_BYTES} bytes`;
    const inner = twinPatchProblem(value, depth + 1);
    if (inner) return inner;
  }
  return undefined;
}
