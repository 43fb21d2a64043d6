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
import { CUT_PROFILES } from '../session/cut-profile.js';
import type { PowerSpec } from '../../drivers/power/power-from-spec.js';
import { MetricsListenError, parseMetricsListen } from '../metrics/metrics-server.js';
import { tlsSchema } from './tls-schema.js';
import { azureSchema } from './azure-schema.js';

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
  helloTimeoutMs: timeoutMs,
  cutProfile: z.enum(CUT_PROFILES, { error: expected(`one of ${CUT_PROFILES.join(', ')}`) }),
  captureSecrets: z.boolean({ error: expected('true or false') }),
};

const object = <T extends z.core.$ZodLooseShape>(shape: T, what = 'an object') => z.strictObject(shape, { error: expected(what) });

const defaultsSchema = object({
  link: boardSettings.link.optional(),
  baudRate: boardSettings.baudRate.optional(),
  maxPacketBytes: boardSettings.maxPacketBytes.optional(),
  queueBytes: boardSettings.queueBytes.optional(),
  stallTimeoutMs: boardSettings.stallTimeoutMs.optional(),
  connectTimeoutMs: boardSettings.connectTimeoutMs.optional(),
  helloTimeoutMs: boardSettings.helloTimeoutMs.optional(),
  cutProfile: boardSettings.cutProfile.optional(),
  captureSecrets: boardSettings.captureSecrets.optional(),
  tls: tlsSchema.optional(),
});

const text = (what: string) => z.string({ error: expected(what) }).min(1, { error: expected(what) });
const argv = z.array(text('a string'), { error: expected('an argv list such as ["relayctl", "1", "on"] (never a shell string)') }).min(1, {
  error: expected('an argv list with the program first'),
});

// An unknown driver is reported at power.driver with the whole object as input.
const driverOf = (input: unknown) => (typeof input === 'object' && input !== null && 'driver' in input ? (input as { driver: unknown }).driver : input);

// One shape per driver in drivers/power/power-from-spec.ts; `driver` picks it.
const powerSchema = z.discriminatedUnion(
  'driver',
  [
    object({ driver: z.literal('none') }),
    object({
      driver: z.literal('uhubctl'),
      location: z.string({ error: expected('a hub location such as "1-1" or "2-1.4"') }).regex(/^\d+(-[\d.]+)?$/, { error: expected('a hub location such as "1-1" or "2-1.4"') }),
      port: integer('a hub port from 1 to 255', 1, 255),
      binary: text('a program path').optional(),
      extraArgs: z.array(text('a string')).optional(),
      timeoutMs: timeoutMs.optional(),
    }),
    object({
      driver: z.literal('modem'),
      port: text('the tty of the relay\'s serial port'),
      line: z.enum(['dtr', 'rts'], { error: expected('"dtr" or "rts"') }),
      mode: z.enum(['level', 'pulse'], { error: expected('"level" or "pulse"') }),
      activeLow: z.boolean({ error: expected('true or false') }).optional(),
      pulseMs: timeoutMs.optional(),
    }),
    object({
      driver: z.literal('command'),
      on: argv,
      off: argv,
      state: argv.optional(),
      onPattern: text('a regular expression').optional(),
      offPattern: text('a regular expression').optional(),
      timeoutMs: timeoutMs.optional(),
    }),
    object({
      driver: z.literal('mqtt-plug'),
      broker: text('the plug\'s broker URL such as mqtt://192.168.1.10:1883'),
      name: z.string({ error: expected('the plug\'s topic') }).regex(/^[^#+/\s]+$/, { error: expected('the plug\'s topic, without / + # or spaces') }),
      username: text('a user name').optional(),
      password: text('a password').optional(),
      timeoutMs: timeoutMs.optional(),
    }),
    object({ driver: z.literal('sim'), pid: integer('a process id', 2, 2 ** 31 - 1).optional(), pidFile: text('a pid file path').optional() }).refine(
      (s) => (s.pid === undefined) !== (s.pidFile === undefined),
      { error: 'give either pid or pidFile' },
    ),
  ],
  { error: (issue) => (issue.input === undefined ? 'required' : `expected a power driver (none, uhubctl, modem, command, mqtt-plug or sim), got ${describeValue(driverOf(issue.input))}`) },
) satisfies z.ZodType<PowerSpec>;

export const BOARD_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

const boardSchema = object({
  name: z.string({ error: expected('a board name') }).regex(BOARD_NAME, {
    error: expected('a name of 1 to 64 letters, digits, "_", "." or "-"'),
  }),
  port: z.string({ error: expected('a tty path, serial:..., pty:..., tcp://host:port or listen://host:port') }).superRefine(
    (value, ctx) => {
      const problem = portSpecProblem(value);
      // A serial parameter's problem already says what it got: then the whole spec is where.
      if (problem) ctx.addIssue({ code: 'custom', message: `${problem}, ${/, got /.test(problem) ? 'in' : 'got'} ${describeValue(value)}`, input: value });
    },
  ),
  broker: brokerTarget.optional(),
  power: powerSchema.optional(),
  azure: azureSchema.optional(),
  ...defaultsSchema.shape,
});

// YAML reads `metrics: 9464` as a number: taken as the port alone.
const metricsListen = z.union([z.string(), z.int()], { error: expected('[host:]port such as "127.0.0.1:9464"') }).transform((value, ctx) => {
  const listen = String(value);
  try {
    parseMetricsListen(listen);
    return listen;
  } catch (error) {
    if (!(error instanceof MetricsListenError)) throw error;
    ctx.issues.push({ code: 'custom', message: error.message, input: value });
    return z.NEVER;
  }
});

export const configSchema = object(
  {
    broker: brokerTarget.optional(),
    log: object({ level: z.enum(LOG_LEVELS, { error: expected(`one of ${LOG_LEVELS.join(', ')}`) }).optional() }).optional(),
    defaults: defaultsSchema.optional(),
    metrics: metricsListen.optional(),
    boards: z
      .array(boardSchema, { error: expected('a list of boards') })
      .min(1, { error: () => 'expected at least one board' }),
  },
  'an object with a "boards" list',
);

export type RawConfig = z.output<typeof configSchema>;
export type RawBoard = RawConfig['boards'][number];
