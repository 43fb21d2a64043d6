// [plain words, advice]: the code stays in the message too, for searching.
const CAUSES: Record<string, [string, string?]> = {
  ECONNREFUSED: ['connection refused', 'is the serial server running and listening on that port?'],
  ECONNRESET: ['connection reset by the remote end'],
  EPIPE: ['connection broken', 'the remote end went away'],
  ETIMEDOUT: ['timed out'],
  EHOSTUNREACH: ['host unreachable'],
  ENETUNREACH: ['network unreachable'],
  ENOTFOUND: ['host not found', 'check the name, or use an IP address'],
  EAI_AGAIN: ['host name lookup failed for now', 'is DNS reachable?'],
  EADDRNOTAVAIL: ['address not available'],
  EADDRINUSE: ['address in use', 'is another bridge or program listening on that port?'],
  EACCES: ['permission denied', 'ports below 1024 need privileges'],
};

/** e.g. "connection refused (ECONNREFUSED) — is the serial server running ...?" */
export function describeTcpError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  const known = code ? CAUSES[code] : undefined;
  if (!known) return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  const [words, advice] = known;
  return advice ? `${words} (${code}) — ${advice}` : `${words} (${code})`;
}
