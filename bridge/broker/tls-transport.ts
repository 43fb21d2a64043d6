import net from 'node:net';
import tls from 'node:tls';
import type { BrokerTransport } from './broker-transport.js';
import { TCP_KEEPALIVE_DELAY_MS } from './tcp-transport.js';
import { summarisePeer, TlsHandshakeError } from './tls-failure.js';

/**
 * ssl:// and mqtts://: TLS over TCP. Certificate and host name checks are on unless the
 * options say `rejectUnauthorized: false`; SNI is the URL's host name (never an IP address,
 * which SNI cannot carry) or the options' servername.
 */
export const connectTls: BrokerTransport = (url, { signal, tls: settings = {} }) =>
  new Promise((resolve, reject) => {
    const verify = settings.rejectUnauthorized !== false;
    const servername = settings.servername ?? (net.isIP(url.host) === 0 ? url.host : undefined);
    // Our own TCP socket under the TLS one: the only way to reset the connection (cut rst).
    const tcp = net.connect({ host: url.host, port: url.port });
    // Node's own rejection would close before we could read the certificate for the message
    // (its expiry, its names): the checks are made below, before anything is sent.
    const socket = tls.connect({ ...settings, socket: tcp, host: url.host, rejectUnauthorized: false, ...(servername !== undefined && { servername }) });
    let tcpConnected = false;
    let peer: tls.PeerCertificate | undefined;
    const settle = (error?: unknown): void => {
      signal.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      tcp.removeListener('error', onError);
      tcp.removeListener('connect', onTcpConnect);
      socket.removeListener('secureConnect', onSecure);
      if (error === undefined) {
        // The TLS socket reports the TCP one's errors too; this stops a second, unheard copy.
        tcp.on('error', () => undefined);
        return resolve(withReset(socket, tcp));
      }
      // Late errors from sockets we gave up on have no one left to tell.
      socket.on('error', () => undefined);
      tcp.on('error', () => undefined);
      socket.destroy();
      tcp.destroy();
      reject(error);
    };
    const failed = (error: unknown): TlsHandshakeError =>
      new TlsHandshakeError(error, { checkedName: servername ?? url.host, tcpConnected, ...(peer && { peer: summarisePeer(peer) }) });
    const onError = (error: Error): void => settle(tcpConnected ? failed(error) : error);
    const onAbort = (): void => settle(signal.reason);
    const onTcpConnect = (): void => {
      tcpConnected = true;
    };
    const onSecure = (): void => {
      peer = socket.getPeerCertificate();
      if (verify && !socket.authorized) return settle(failed(verificationError(socket, servername ?? url.host, peer)));
      // MQTT packets are small and latency-bound: Nagle would hold them waiting for ACKs.
      tcp.setNoDelay(true);
      tcp.setKeepAlive(true, TCP_KEEPALIVE_DELAY_MS);
      settle();
    };
    if (signal.aborted) return settle(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    tcp.once('error', onError);
    tcp.once('connect', onTcpConnect);
    socket.once('secureConnect', onSecure);
  });

/** Node's verdict as the error it would have thrown (with `code`), the host check's own if it was that. */
function verificationError(socket: tls.TLSSocket, name: string, peer: tls.PeerCertificate): Error {
  const code = String(socket.authorizationError);
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return tls.checkServerIdentity(name, peer) ?? Object.assign(new Error(code), { code });
  return Object.assign(new Error(`certificate verification failed: ${code}`), { code });
}

/**
 * A TLSSocket's own resetAndDestroy() throws (its handle is not TCP); the session's rst cut
 * needs it, so it resets the TCP socket underneath, which closes the TLS one with it.
 */
function withReset(socket: tls.TLSSocket, tcp: net.Socket): tls.TLSSocket {
  socket.resetAndDestroy = function resetAndDestroy(this: tls.TLSSocket) {
    tcp.resetAndDestroy();
    return this;
  };
  return socket;
}
