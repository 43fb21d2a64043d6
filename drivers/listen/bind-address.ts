import net from 'node:net';

/** Whether binding host would accept connections from every interface, the network included. */
export function isAnyAddress(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (net.isIPv4(bare)) return bare === '0.0.0.0';
  if (!net.isIPv6(bare)) return false;
  // The URL parser writes an IPv6 address in its shortest form: "::", "::ffff:0:0".
  const canonical = new URL(`http://[${bare}]`).hostname;
  return canonical === '[::]' || canonical === '[::ffff:0:0]';
}
