import { z } from 'zod';
import { BrokerUrlError, parseBrokerUrl } from '../broker/broker-url.js';
import {
  LINK_MODES,
  LOG_LEVELS,
  MAX_MQTT_PACKET_BYTES,
  MAX_TIMEOUT_MS,
  MIN_MAX_PACKET_BYTES,
} from './config-defaults.js';
import type { BrokerTarget } from './config-types.js';
import { portSpecProblem } from './port-spec.js';

// The raw document, as written: nothing filled in yet (resolve-config does that). Every schema
// words its own error, so that a message reads "expected X, got Y" whatever zod found.

type RawIssue = { input?: unknown };

/** `"fast"`, `1.5`, `null`, `a list`: the value as the user wrote it. */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

const expected = (what: string) => (issue: RawIssue) =>
  issue.input === undefined ? 'required' : `expected ${what}, got ${describeValue(issue.input)}`;

function integer(what: string, min: number, max: number) {
  const error = expected(what);
  return z.int({ error }).min(min, { error }).max(max, { error });
}

const positiveInteger = integer('a positive integer', 1, Number.MAX_SAFE_INTEGER);
const timeoutMs = integer(`a positive integer of at most ${MAX_TIMEOUT_MS} (ms)`, 1, MAX_TIMEOUT_MS);

const brokerTarget = z.string({ error: expected('"embedded" or a broker URL such as tcp://host:1883') }).transform(
  (value, ctx): BrokerTarget => {
    if (value === 'embedded') return 'embedded';
    try {
      return parseBrokerUrl(value);
    } catch (error) {
      if (!(error instanceof BrokerUrlError)) throw error;
      const message = error.reason === 'unsupported-scheme' ? `${error.message}, or "embedded"` : error.message;
      ctx.issues.push({ code: 'custom', message, input: value });
      return z.NEVER;
    }
  },
);

const boardSettings = {
  link: z.enum(LINK_MODES, { error: expected(`one of ${LINK_MODES.join(', ')}`) }),
  baudRate: positiveInteger,
  maxPacketBytes: integer(`an integer from ${MIN_MAX_PACKET_BYTES} to ${MAX_MQTT_PACKET_BYTES}`, MIN_MAX_PACKET_BYTES, MAX_MQTT_PACKET_BYTES),
  queueBytes: positiveInteger,
  stallTimeoutMs: timeoutMs,
  connectTimeoutMs: timeoutMs,
};

const object = <T extends z.core.$ZodLooseShape>(shape: T, what = 'an object') => z.strictObject(shape, { error: expected(what) });

const defaultsSchema = object({
  link: boardSettings.link.optional(),
  baudRate: boardSettings.baudRate.optional(),
  maxPacketBytes: boardSettings.maxPacketBytes.optional(),
  queueBytes: boardSettings.queueBytes.optional(),
  stallTimeoutMs: boardSettings.stallTimeoutMs.optional(),
  connectTimeoutMs: boardSettings.connectTimeoutMs.optional(),
});

export const BOARD_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

const boardSchema = object({
  name: z.string({ error: expected('a board name') }).regex(BOARD_NAME, {
    error: expected('a name of 1 to 64 letters, digits, "_", "." or "-"'),
  }),
  port: z.string({ error: expected('a tty path, serial:..., pty:..., tcp://host:port or listen://host:port') }).superRefine(
    (value, ctx) => {
      const problem = portSpecProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: `${problem}, got ${describeValue(value)}`, input: value });
    },
  ),
  broker: brokerTarget.optional(),
  ...defaultsSchema.shape,
});

export const configSchema = object(
  {
    broker: brokerTarget.optional(),
    log: object({ level: z.enum(LOG_LEVELS, { error: expected(`one of ${LOG_LEVELS.join(', ')}`) }).optional() }).optional(),
    defaults: defaultsSchema.optional(),
    boards: z
      .array(boardSchema, { error: expected('a list of boards') })
      .min(1, { error: () => 'expected at least one board' }),
  },
  'an object with a "boards" list',
);

export type RawConfig = z.output<typeof configSchema>;
export type RawBoard = RawConfig['boards'][number];
