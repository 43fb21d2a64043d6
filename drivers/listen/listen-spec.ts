import type { ListenLinkSourceOptions } from './listen-link-source.js';

/** "listen://host:port": a spec for many links, one per board that connects. */
export function isListenSpec(spec: string): boolean {
  return typeof spec === 'string' && /^listen:/i.test(spec.trim());
}

const PARAMS: Record<string, (value: string, into: ListenLinkSourceOptions) => void> = {
  allowAnyAddress: (value, into) => {
    if (!/^(1|true|yes|on|0|false|no|off)$/i.test(value)) {
      throw new TypeError(`listen spec parameter "allowAnyAddress" must be 1 or 0, got "${value}"`);
    }
    into.allowAnyAddress = /^(1|true|yes|on)$/i.test(value);
  },
};

/**
 * "listen://127.0.0.1:7000", "listen://[::1]:7000", "listen://0.0.0.0:7000?allowAnyAddress=1"
 * to options for createListenLinkSource.
 */
export function parseListenSpec(spec: string): ListenLinkSourceOptions {
  if (!isListenSpec(spec)) throw new Error(`not a listen spec: "${spec}"; expected listen://host:port`);
  let url: URL;
  try {
    url = new URL(spec.trim());
  } catch {
    throw new Error(`listen spec "${spec}" is malformed; expected listen://host:port`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host || url.port === '' || (url.pathname !== '' && url.pathname !== '/')) {
    throw new Error(`listen spec "${spec}" needs a host and a port, and nothing else: listen://host:port`);
  }
  const options: ListenLinkSourceOptions = { host, port: Number(url.port) };
  for (const [key, value] of url.searchParams) {
    const apply = Object.hasOwn(PARAMS, key) ? PARAMS[key] : undefined;
    if (!apply) throw new Error(`unknown listen spec parameter "${key}"; supported: ${Object.keys(PARAMS).join(', ')}`);
    apply(value, options);
  }
  return options;
}
