import { isListenSpec } from './listen/listen-spec.js';
import { createPtyLink } from './pty/pty-link.js';
import { createSerialportLink } from './serial/serialport-link.js';
import { serialOptionExpectation, type SerialportLinkOptions } from './serial/serialport-options.js';
import type { SerialLink } from './serial-link.js';
import { createTcpLink } from './tcp/tcp-link.js';

export { isListenSpec, parseListenSpec } from './listen/listen-spec.js';

/** Defaults for what a spec does not say. */
export interface LinkSpecOptions {
  baudRate?: number;
  connectTimeoutMs?: number;
}

type LinkBuilder = (target: string, options: LinkSpecOptions) => SerialLink;

/** One entry per transport, as MQTT.js maps protocols to stream builders. */
export const linkBuilders: Readonly<Record<string, LinkBuilder>> = {
  tcp: buildTcp,
  pty: (target) => createPtyLink({ linkPath: target }),
  serial: buildSerial,
};

const SCHEME = /^([a-z][a-z0-9+.-]*):(.*)$/is;

/** A spec's transport, lower case ("pty", "tcp", "listen", ...); undefined for a bare device path. */
export function linkScheme(spec: string): string | undefined {
  return SCHEME.exec(spec.trim())?.[1].toLowerCase();
}

/**
 * "tcp://host:port", "pty:/tmp/board0", "serial:/dev/ttyACM0?baud=921600&rtscts=1", or a bare
 * device path ("/dev/ttyUSB0", query allowed) to a link. Not "listen://": see listen-spec.ts.
 */
export function createSerialLinkFromSpec(spec: string, options: LinkSpecOptions = {}): SerialLink {
  if (typeof spec !== 'string' || spec.trim() === '') throw new TypeError('link spec must be a non-empty string');
  if (isListenSpec(spec)) {
    throw new Error(
      `"${spec}" accepts many links, one per board that connects, not one: give ` +
        'parseListenSpec(spec) to createListenLinkSource() (drivers/listen/) instead',
    );
  }
  const match = SCHEME.exec(spec);
  if (!match) return buildSerial(spec, options);
  const scheme = match[1].toLowerCase();
  const builder = Object.hasOwn(linkBuilders, scheme) ? linkBuilders[scheme] : undefined;
  if (!builder) {
    const supported = Object.keys(linkBuilders).map((s) => `${s}:`).join(', ');
    throw new Error(`unknown link scheme "${scheme}:" in "${spec}"; supported: ${supported} or a bare device path`);
  }
  return builder(match[2], options);
}

function buildTcp(target: string, options: LinkSpecOptions): SerialLink {
  const url = new URL(`tcp:${target}`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host || !url.port) throw new Error(`tcp link spec "tcp:${target}" needs a host and a port: tcp://host:port`);
  return createTcpLink({ host, port: Number(url.port), connectTimeoutMs: options.connectTimeoutMs });
}

type SerialField = Exclude<keyof SerialportLinkOptions, 'path'>;

/** Query parameter -> the option it sets and how its text reads. */
const SERIAL_PARAMS: Record<string, [SerialField, (value: string, name: string) => unknown]> = {
  baud: ['baudRate', (v) => (/^\d+$/.test(v) ? Number(v) : v)],
  rtscts: ['rtscts', (v, name) => flag(name, v)],
  xon: ['xon', (v, name) => flag(name, v)],
  xoff: ['xoff', (v, name) => flag(name, v)],
  lock: ['lock', (v, name) => flag(name, v)],
  dataBits: ['dataBits', (v) => Number(v)],
  parity: ['parity', (v) => v],
  stopBits: ['stopBits', (v) => Number(v)],
};

function buildSerial(target: string, options: LinkSpecOptions): SerialLink {
  return createSerialportLink(serialOptions(target, options));
}

/** A serial spec's device path, "//" before an absolute path and the query left out. */
export function serialDevicePath(target: string): string {
  const query = target.indexOf('?');
  return (query < 0 ? target : target.slice(0, query)).replace(/^\/\/(?=\/)/, '');
}

/** The options a serial spec says; each query parameter is checked as written (serialport-options.ts). */
function serialOptions(target: string, options: LinkSpecOptions): SerialportLinkOptions {
  const query = target.indexOf('?');
  const settings: SerialportLinkOptions = { path: serialDevicePath(target), baudRate: options.baudRate };
  for (const [key, value] of new URLSearchParams(query < 0 ? '' : target.slice(query + 1))) {
    const param = Object.hasOwn(SERIAL_PARAMS, key) ? SERIAL_PARAMS[key] : undefined;
    if (!param) throw new Error(`unknown serial link parameter "${key}"; supported: ${Object.keys(SERIAL_PARAMS).join(', ')}`);
    const [field, parse] = param;
    const parsed = parse(value, key);
    const expected = serialOptionExpectation(field, parsed);
    if (expected) throw new TypeError(`serial link parameter "${key}" must be ${expected}, got "${value}"`);
    (settings as unknown as Record<SerialField, unknown>)[field] = parsed;
  }
  return settings;
}

/**
 * Why the query of a serial spec ("serial:/dev/ttyACM0?baud=921600", or a bare path with a query)
 * cannot work, or undefined: checked when the config is read, not at every reopen.
 */
export function serialSpecProblem(target: string): string | undefined {
  try {
    serialOptions(target, {});
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function flag(name: string, value: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new TypeError(`serial link parameter "${name}" must be 1 or 0, got "${value}"`);
}
