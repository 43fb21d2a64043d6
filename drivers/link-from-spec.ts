import { isListenSpec } from './listen/listen-spec.js';
import { createPtyLink } from './pty/pty-link.js';
import { createSerialportLink } from './serial/serialport-link.js';
import { resolveSerialportOptions, type SerialportLinkOptions } from './serial/serialport-options.js';
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
  const match = /^([a-z][a-z0-9+.-]*):(.*)$/is.exec(spec);
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

const SERIAL_PARAMS: Record<string, (value: string, into: Partial<SerialportLinkOptions>) => void> = {
  baud: (v, o) => (o.baudRate = Number(/^\d+$/.test(v) ? v : NaN)),
  rtscts: (v, o) => (o.rtscts = flag('rtscts', v)),
  xon: (v, o) => (o.xon = flag('xon', v)),
  xoff: (v, o) => (o.xoff = flag('xoff', v)),
  lock: (v, o) => (o.lock = flag('lock', v)),
  dataBits: (v, o) => (o.dataBits = Number(v) as SerialportLinkOptions['dataBits']),
  parity: (v, o) => (o.parity = v as SerialportLinkOptions['parity']),
  stopBits: (v, o) => (o.stopBits = Number(v) as SerialportLinkOptions['stopBits']),
};

function buildSerial(target: string, options: LinkSpecOptions): SerialLink {
  return createSerialportLink(serialOptions(target, options));
}

function serialOptions(target: string, options: LinkSpecOptions): SerialportLinkOptions {
  const query = target.indexOf('?');
  const path = (query < 0 ? target : target.slice(0, query)).replace(/^\/\/(?=\/)/, '');
  const settings: Partial<SerialportLinkOptions> = { baudRate: options.baudRate };
  for (const [key, value] of new URLSearchParams(query < 0 ? '' : target.slice(query + 1))) {
    const apply = Object.hasOwn(SERIAL_PARAMS, key) ? SERIAL_PARAMS[key] : undefined;
    if (!apply) throw new Error(`unknown serial link parameter "${key}"; supported: ${Object.keys(SERIAL_PARAMS).join(', ')}`);
    try {
      apply(value, settings);
      resolveSerialportOptions({ ...settings, path });
    } catch (error) {
      // Named as the user wrote it: the parameter and its text, not the option and a NaN.
      const expected = / must be (.*), got .*$/s.exec((error as Error).message)?.[1];
      throw new TypeError(expected ? `serial link parameter "${key}" must be ${expected}, got "${value}"` : (error as Error).message);
    }
  }
  return { ...settings, path };
}

/**
 * Why the query of a serial spec ("serial:/dev/ttyACM0?baud=921600", or a bare path with a query)
 * cannot work, or undefined: checked when the config is read, not at every reopen.
 */
export function serialSpecProblem(target: string): string | undefined {
  try {
    resolveSerialportOptions(serialOptions(target, {}));
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
