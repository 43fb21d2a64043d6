import net from 'node:net';
import { serialSpecProblem } from '../../drivers/link-from-spec.js';
import { isAnyAddress } from '../../drivers/listen/bind-address.js';
import { parseListenSpec } from '../../drivers/listen/listen-spec.js';

const ENDPOINT = /^\/\/(\[[^\]]*\]|[^:/?#[\]]*):(\d{1,5})$/;

type Check = (rest: string, scheme: string) => string | undefined;

const SCHEMES: Record<string, Check> = {
  serial: (rest) => (rest.replace(/^\/\/(?=\/)/, '').split('?')[0] ? serialSpecProblem(rest) : 'serial: needs a device, e.g. serial:/dev/ttyUSB0'),
  pty: (rest) => (rest ? undefined : 'pty: needs a path for the board end, e.g. pty:/tmp/board0'),
  usb: (rest) => (/^[\x21-\x7e]+$/.test(rest) ? undefined : 'usb: needs the board\'s USB serial number, e.g. usb:DL7450-0001 (dl7450-bridge ports lists them)'),
  tcp: endpoint,
  listen: listenProblem,
};

/**
 * Why a board's `port` is not a link spec the bridge knows, or undefined when it is: a tty path,
 * serial:..., pty:..., tcp://host:port (a serial server) or listen://host:port (boards dial in).
 */
export function portSpecProblem(spec: string): string | undefined {
  if (spec.trim() === '') return 'expected a tty path, serial:..., usb:<serial number>, pty:..., tcp://host:port or listen://host:port';
  if (/[\s\x00-\x1f\x7f]/.test(spec)) return 'a port must not contain white space or control characters';
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(spec);
  // Windows names its serial ports COM1, COM2...: no path, no scheme.
  if (!match) {
    return spec.startsWith('/') || /^COM\d+$/i.test(spec)
      ? serialSpecProblem(spec)
      : 'expected an absolute tty path such as /dev/ttyACM0, or serial:..., pty:..., tcp://host:port, listen://host:port';
  }
  const scheme = match[1].toLowerCase();
  const check = Object.hasOwn(SCHEMES, scheme) ? SCHEMES[scheme] : undefined;
  if (!check) return `unknown link scheme "${scheme}:"; expected a tty path, serial:..., usb:<serial number>, pty:..., tcp://host:port or listen://host:port`;
  return check(match[2], scheme);
}

function endpoint(rest: string, scheme: string): string | undefined {
  const match = ENDPOINT.exec(rest);
  const usage = `expected ${scheme}://host:port`;
  if (!match) return usage;
  const host = match[1].startsWith('[') ? match[1].slice(1, -1) : match[1];
  if (host === '' || (match[1].startsWith('[') && !net.isIPv6(host))) return `${usage}: bad host "${match[1]}"`;
  const port = Number(match[2]);
  // listen:// may ask for port 0: the OS picks a free one and `run` prints it.
  const lowest = scheme === 'listen' ? 0 : 1;
  if (port < lowest || port > 65535) return `${usage}: port ${match[2]} is not from ${lowest} to 65535`;
  return undefined;
}

/** host:port and the spec's parameters; an address open to every network only when asked for. */
function listenProblem(rest: string, scheme: string): string | undefined {
  const problem = endpoint(rest.replace(/\?.*$/s, ''), scheme);
  if (problem) return problem;
  let options: ReturnType<typeof parseListenSpec>;
  try {
    options = parseListenSpec(`${scheme}:${rest}`);
  } catch (error) {
    return (error as Error).message;
  }
  if (options.allowAnyAddress || !isAnyAddress(canonicalHost(options.host ?? ''))) return undefined;
  return 'that address accepts boards from any network, and a bench bridge should not be reachable from the network by accident: listen on 127.0.0.1 or ::1, or add ?allowAnyAddress=1 if that is meant';
}

/** "0", "0.0.0.000" and "0.0.0.0" bind the same address: the special-scheme URL parser spells them one way. */
function canonicalHost(host: string): string {
  try {
    return new URL(`http://${host.includes(':') ? `[${host}]` : host}`).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return host;
  }
}
