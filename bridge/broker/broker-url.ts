import net from 'node:net';
import { redactUrl } from '../../drivers/redact-url.js';

/** The URL schemes a DL-7450 board app may pass to the SDK's MQTT client, and their default ports. */
export const BROKER_SCHEME_PORTS = {
  tcp: 1883,
  mqtt: 1883,
  ssl: 8883,
  mqtts: 8883,
  ws: 80,
  wss: 443,
} as const;

export type BrokerScheme = keyof typeof BROKER_SCHEME_PORTS;

export const BROKER_SCHEMES = Object.keys(BROKER_SCHEME_PORTS) as BrokerScheme[];

const SECURE_SCHEMES: ReadonlySet<BrokerScheme> = new Set(['ssl', 'mqtts', 'wss']);
const WEBSOCKET_SCHEMES: ReadonlySet<BrokerScheme> = new Set(['ws', 'wss']);
/** Where MQTT-over-WebSocket brokers (Mosquitto, HiveMQ, EMQX) listen when the URL names no path. */
const DEFAULT_WS_PATH = '/mqtt';

export interface BrokerUrl {
  scheme: BrokerScheme;
  /** Host name (lower case) or IP address; IPv6 without brackets, ready for `net.connect`. */
  host: string;
  port: number;
  /** WebSocket schemes only: the HTTP path (and query) of the upgrade request. */
  path?: string;
  /** TLS underneath (ssl, mqtts, wss). */
  secure: boolean;
  /** Normalised form, safe to log: `tcp://127.0.0.1:1883`, `wss://[::1]:443/mqtt`. */
  href: string;
}

export type BrokerUrlErrorReason = 'bad-url' | 'unsupported-scheme';

export class BrokerUrlError extends Error {
  override name = 'BrokerUrlError';

  constructor(
    readonly reason: BrokerUrlErrorReason,
    message: string,
    /** The offending URL with any credentials removed. */
    readonly url: string,
  ) {
    super(message);
  }
}

// scheme :// [userinfo @] host [: port] [rest]; the pieces are checked one by one below so that
// each failure gets its own words.
const URL_SHAPE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:([^@/?#]*)@)?(\[[^\]/?#]*\]|[^:/?#[\]]*)(?::([^/?#]*))?([/?#].*)?$/s;
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/;

/** Parses a broker URL as a board app would give it: `scheme://host[:port][/path]`. */
export function parseBrokerUrl(url: string): BrokerUrl {
  if (typeof url !== 'string') throw new TypeError(`broker url must be a string, got ${typeof url}`);
  const text = url.trim();
  const shown = redactUrl(text);
  const bad = (why: string): BrokerUrlError => new BrokerUrlError('bad-url', `bad broker URL "${shown}": ${why}`, shown);

  if (text === '') throw bad('it is empty');
  if (/[\s\x00-\x1f\x7f]/.test(text)) throw bad('it contains white space or control characters');
  const match = URL_SHAPE.exec(text);
  if (!match) {
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text);
    if (scheme && !isBrokerScheme(scheme[1].toLowerCase()) && !/^\d/.test(text.slice(scheme[0].length))) {
      throw unsupported(scheme[1], shown);
    }
    throw bad('expected scheme://host[:port][/path], e.g. tcp://127.0.0.1:1883');
  }
  const [, rawScheme, userinfo, rawHost, rawPort, rest] = match;
  const scheme = rawScheme.toLowerCase();
  if (!isBrokerScheme(scheme)) throw unsupported(rawScheme, shown);
  // The board's own CONNECT packet carries the credentials; silently dropping these would hide
  // that the bridge never uses them.
  if (userinfo !== undefined) throw bad('user names and passwords belong in the MQTT CONNECT packet, not in the URL');

  if (rawPort?.includes(':')) throw bad('too many colons: an IPv6 address goes in brackets, e.g. tcp://[::1]:1883');
  const host = parseHost(rawHost, bad);
  const port = rawPort === undefined ? BROKER_SCHEME_PORTS[scheme] : parsePort(rawPort, bad);
  if (rest?.includes('#')) throw bad('a fragment (#...) has no meaning for a broker');
  const path = WEBSOCKET_SCHEMES.has(scheme) ? webSocketPath(rest) : undefined;
  return {
    scheme,
    host,
    port,
    ...(path === undefined ? {} : { path }),
    secure: SECURE_SCHEMES.has(scheme),
    href: `${scheme}://${hostAndPort({ host, port })}${path ?? ''}`,
  };
}

/** `127.0.0.1:1883`, `[::1]:1883`: where a connection goes, for messages. */
export function hostAndPort(url: Pick<BrokerUrl, 'host' | 'port'>): string {
  return `${url.host.includes(':') ? `[${url.host}]` : url.host}:${url.port}`;
}

// Lives with the drivers, which show URLs in their errors too (the mqtt plug's broker).
export { redactUrl };

export function isBrokerScheme(scheme: string): scheme is BrokerScheme {
  return Object.hasOwn(BROKER_SCHEME_PORTS, scheme);
}

function unsupported(scheme: string, shown: string): BrokerUrlError {
  const supported = BROKER_SCHEMES.map((s) => `${s}://`).join(', ');
  return new BrokerUrlError(
    'unsupported-scheme',
    `unsupported scheme "${scheme.toLowerCase()}://" in broker URL "${shown}"; supported: ${supported}`,
    shown,
  );
}

function parseHost(raw: string, bad: (why: string) => BrokerUrlError): string {
  if (raw === '' || raw === '[]') throw bad('the host is missing');
  if (raw.startsWith('[')) {
    const inner = raw.slice(1, -1);
    if (!net.isIPv6(inner)) throw bad(`"${inner}" in brackets is not an IPv6 address`);
    return inner.toLowerCase();
  }
  const host = raw.toLowerCase();
  if (net.isIPv4(host)) return host;
  // All-digit dotted names are mistyped IPv4 addresses, not host names.
  if (/^[\d.]+$/.test(host) || !HOST_NAME.test(host)) throw bad(`"${raw}" is not a valid host name or IP address`);
  return host;
}

function parsePort(raw: string, bad: (why: string) => BrokerUrlError): number {
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(port >= 1 && port <= 65535)) throw bad(`port "${raw}" is not a number from 1 to 65535`);
  return port;
}

function webSocketPath(rest: string | undefined): string {
  if (rest === undefined) return DEFAULT_WS_PATH;
  return rest.startsWith('?') ? `${DEFAULT_WS_PATH}${rest}` : rest;
}
