import type tls from 'node:tls';

// Why a TLS connection to a broker failed, in the words of the SDK's settings (trust_store,
// key_store, private_key): what a bench user can fix. The OpenSSL/Node code stays in `.code`.

export type TlsCause = 'untrusted' | 'expired' | 'not-yet-valid' | 'host-mismatch' | 'client-certificate-refused' | 'handshake';

/** The broker's certificate as the handshake showed it: only what the messages need. */
export interface PeerCertificateSummary {
  issuer?: string;
  validFrom?: string;
  validTo?: string;
  /** Its DNS names and IP addresses (subjectAltName), else its CN. */
  names: string[];
}

/** A handshake that failed, with what the socket knew at that moment (Node's error is `cause`). */
export class TlsHandshakeError extends Error {
  override name = 'TlsHandshakeError';
  readonly code?: string;

  constructor(
    cause: unknown,
    readonly details: {
      /** The name the certificate was checked against: servername, else the URL's host. */
      checkedName: string;
      peer?: PeerCertificateSummary;
      /** TCP was up: a reset now is the broker ending the handshake, not a refused connection. */
      tcpConnected: boolean;
    },
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    if (typeof code === 'string') this.code = code;
  }
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);

// Alerts the broker sends about the client's certificate (or its absence).
const CLIENT_CERTIFICATE_ALERTS: Record<string, string> = {
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'it requires one, and none was given',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'it says the certificate is bad',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'it does not trust the CA that signed it',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: 'it says the certificate has expired',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED: 'it says the certificate was revoked',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: 'it could not accept the certificate',
  ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE: 'it does not support that kind of certificate',
  ERR_SSL_TLSV1_ALERT_ACCESS_DENIED: 'it denied access to that certificate',
};

const HANDSHAKE: Record<string, string> = {
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE:
    'the broker ended the handshake (handshake failure): no TLS version or cipher in common, or it wants a client certificate (key_store/private_key)',
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: 'no TLS version in common with the broker',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'no TLS version in common with the broker',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the broker did not answer in TLS: is this a plain tcp:// listener?',
  ERR_SSL_PACKET_LENGTH_TOO_LONG: 'the broker did not answer in TLS: is this a plain tcp:// listener?',
};

const REFUSED = 'the broker refused the client certificate (key_store/private_key)';
const RESET_IN_HANDSHAKE =
  'the broker closed the connection during the handshake: the port may not be a TLS listener, or the broker refused the client certificate (key_store/private_key)';
// What Node says when the peer closes before the handshake is done.
const NODE_DISCONNECTED = /before secure TLS connection was established/;

/**
 * Plain words for a TLS failure, or undefined when `error` is not one. `where` (host:port) goes
 * into the text when known; errors after the handshake (a TLS 1.3 broker refusing the client
 * certificate only once the client has finished) are read here too.
 */
export function describeTlsFailure(error: unknown, where?: string): { cause: TlsCause; text: string } | undefined {
  const found = classify(error);
  if (!found) return undefined;
  return { cause: found.cause, text: `${where ? `TLS with ${where} failed` : 'TLS failed'}: ${found.text}` };
}

function classify(error: unknown): { cause: TlsCause; text: string } | undefined {
  const details = error instanceof TlsHandshakeError ? error.details : undefined;
  const node = (error instanceof TlsHandshakeError ? error.cause : error) as (NodeJS.ErrnoException & { reason?: string; host?: string; cert?: tls.PeerCertificate }) | undefined;
  const code = typeof node?.code === 'string' ? node.code : undefined;
  const peer = details?.peer ?? (node?.cert ? summarisePeer(node.cert) : undefined);
  if (code !== undefined && UNTRUSTED.has(code)) {
    const issuer = peer?.issuer ? ` (issued by ${peer.issuer})` : '';
    return { cause: 'untrusted', text: `the broker's certificate${issuer} is not signed by a trusted CA (trust_store)` };
  }
  if (code === 'CERT_HAS_EXPIRED') {
    return { cause: 'expired', text: `the broker's certificate has expired${peer?.validTo ? ` (not after ${peer.validTo})` : ''}` };
  }
  if (code === 'CERT_NOT_YET_VALID') {
    return { cause: 'not-yet-valid', text: `the broker's certificate is not valid yet${peer?.validFrom ? ` (not before ${peer.validFrom})` : ''}: is this host's clock right?` };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const checked = details?.checkedName ?? node?.host ?? 'the broker host';
    const names = peer?.names.length ? peer.names.join(', ') : 'no host name';
    return { cause: 'host-mismatch', text: `host name mismatch: the certificate is for ${names}, not ${checked}` };
  }
  if (code !== undefined && Object.hasOwn(CLIENT_CERTIFICATE_ALERTS, code)) {
    return { cause: 'client-certificate-refused', text: `${REFUSED}: ${CLIENT_CERTIFICATE_ALERTS[code]}` };
  }
  if (code !== undefined && Object.hasOwn(HANDSHAKE, code)) return { cause: 'handshake', text: HANDSHAKE[code] };
  if ((details?.tcpConnected && (code === 'ECONNRESET' || code === 'EPIPE')) || NODE_DISCONNECTED.test(node?.message ?? '')) {
    return { cause: 'handshake', text: RESET_IN_HANDSHAKE };
  }
  // Other X.509 verification codes (CERT_REVOKED, INVALID_CA...): their names are words enough.
  if (code !== undefined && /^CERT_|^INVALID_|^EE_|^CA_|_CERT$/.test(code)) {
    return { cause: 'handshake', text: `the broker's certificate did not verify: ${code.toLowerCase().replace(/_/g, ' ')}` };
  }
  if (code !== undefined && /^ERR_(SSL|TLS)_/.test(code)) return { cause: 'handshake', text: `the handshake failed: ${node?.reason ?? code}` };
  return undefined;
}

/**
 * A TLS connection reset after the handshake, before the broker sent a single byte: a TLS 1.3
 * broker refusing the client certificate, whose alert the reset overtook (a write after the
 * broker closed makes the kernel reset and drop the unread alert). Or a broker that died.
 */
export function describeResetBeforeAnswer(error: unknown): { cause: TlsCause; text: string } | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'ECONNRESET' && code !== 'EPIPE') return undefined;
  return { cause: 'client-certificate-refused', text: 'TLS failed: the broker reset the connection right after the handshake, before answering: it may have refused the client certificate (key_store/private_key)' };
}

/** The parts of a peer certificate the messages use; never the whole object (it is large). */
export function summarisePeer(cert: tls.PeerCertificate | undefined): PeerCertificateSummary | undefined {
  if (!cert || Object.keys(cert).length === 0) return undefined;
  const alt = cert.subjectaltname
    ? cert.subjectaltname.split(', ').map((entry) => entry.replace(/^(DNS|IP Address):/, ''))
    : [];
  const cn = typeof cert.subject?.CN === 'string' ? cert.subject.CN : undefined;
  const issuer = cert.issuer?.CN ? `CN=${String(cert.issuer.CN)}` : cert.issuer?.O ? `O=${String(cert.issuer.O)}` : undefined;
  return {
    ...(issuer !== undefined && { issuer }),
    ...(cert.valid_from && { validFrom: cert.valid_from }),
    ...(cert.valid_to && { validTo: cert.valid_to }),
    names: alt.length > 0 ? alt : cn ? [cn] : [],
  };
}
