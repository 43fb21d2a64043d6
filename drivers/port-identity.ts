import { resolve } from 'node:path';
import { serialDevicePath } from './link-from-spec.js';
import { isListenSpec, parseListenSpec } from './listen/listen-spec.js';

/**
 * What a port spec opens, spelled one way, so two boards given the same line by different texts
 * ("pty:/tmp/x" and "pty:/tmp/./x", "/dev/ttyS0" and "serial:/dev/ttyS0?baud=9600") clash; a
 * pty link and a device path at the same place clash too (the second would open the first's
 * pty). undefined: it can be shared (listen:// on port 0 takes a free port each time).
 */
export function portIdentity(spec: string): string | undefined {
  try {
    if (isListenSpec(spec)) {
      const { host, port } = parseListenSpec(spec);
      return port === 0 ? undefined : `listen:${(host ?? '').toLowerCase()}:${port}`;
    }
    const match = /^([a-z][a-z0-9+.-]*):(.*)$/is.exec(spec);
    const scheme = match?.[1].toLowerCase();
    if (scheme === 'tcp') {
      const url = new URL(`tcp:${(match as RegExpExecArray)[2]}`);
      return `tcp:${url.hostname.toLowerCase()}:${url.port}`;
    }
    if (scheme === 'pty') return `path:${resolve((match as RegExpExecArray)[2])}`;
    return `path:${resolve(serialDevicePath(scheme === 'serial' ? (match as RegExpExecArray)[2] : spec))}`;
  } catch {
    return spec; // not a valid spec: its own check says so
  }
}
