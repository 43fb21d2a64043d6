import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { serialDevicePath } from './link-from-spec.js';
import { isListenSpec, parseListenSpec } from './listen/listen-spec.js';

/**
 * What a port spec opens, each way it can be spelled, so two boards given the same line by
 * different texts clash: "pty:/tmp/x", "pty:/tmp/./x" and "pty:/tmp/link-to-tmp/x";
 * "/dev/ttyS0" and "serial:/dev/ttyS0?baud=9600"; a by-id symlink and the tty it names;
 * "listen://localhost:7000" and "listen://127.0.0.1:7000". A pty link and a device path at the
 * same place clash too (the second would open the first's pty). Two specs clash when their
 * lists share an entry; an empty list can be shared (listen:// on port 0 takes a free port).
 */
export function portIdentities(spec: string): string[] {
  try {
    if (isListenSpec(spec)) {
      const { host, port } = parseListenSpec(spec);
      return port === 0 ? [] : listenAddresses(host ?? '').map((address) => `listen:${address}:${port}`);
    }
    const match = /^([a-z][a-z0-9+.-]*):(.*)$/is.exec(spec);
    const scheme = match?.[1].toLowerCase();
    if (scheme === 'tcp') {
      const url = new URL(`tcp:${(match as RegExpExecArray)[2]}`);
      return [`tcp:${url.hostname.toLowerCase()}:${url.port}`];
    }
    // A pty link is made at its path: only the folder can be a symlink (the link itself is ours).
    if (scheme === 'pty') return [`path:${inRealFolder((match as RegExpExecArray)[2])}`];
    const device = serialDevicePath(scheme === 'serial' ? (match as RegExpExecArray)[2] : spec);
    const target = realTarget(device);
    return [`path:${inRealFolder(device)}`, ...(target === undefined ? [] : [`path:${target}`])];
  } catch {
    return [spec]; // not a valid spec: its own check says so
  }
}

/** The path with its folder's symlinks resolved, when the folder exists. */
function inRealFolder(path: string): string {
  const absolute = resolve(path);
  try {
    return join(realpathSync(dirname(absolute)), basename(absolute));
  } catch {
    return absolute;
  }
}

/** What an existing path finally points at (a by-id link's tty), when it is another place. */
function realTarget(path: string): string | undefined {
  try {
    const real = realpathSync(path);
    return real === inRealFolder(path) ? undefined : real;
  } catch {
    return undefined;
  }
}

/** A listen host as the addresses it binds: IP literals in one spelling, localhost as both loopbacks. */
function listenAddresses(host: string): string[] {
  const lower = host.toLowerCase();
  if (lower === 'localhost') return ['127.0.0.1', '::1'];
  try {
    // The special-scheme parser spells addresses canonically (127.000.000.001, ::0:1).
    return [new URL(`http://${lower.includes(':') ? `[${lower}]` : lower}`).hostname.replace(/^\[(.*)\]$/, '$1')];
  } catch {
    return [lower];
  }
}
