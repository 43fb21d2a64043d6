import type { ClientRequest, IncomingMessage } from 'node:http';
import net from 'node:net';
import WebSocket from 'ws';
import { MAX_MQTT_PACKET_BYTES } from '../config/config-defaults.js';
import { BrokerConnectError } from './broker-connect-error.js';
import type { BrokerTransport } from './broker-transport.js';
import { hostAndPort, type BrokerUrl } from './broker-url.js';
import { connectTcp } from './tcp-transport.js';
import { connectTls } from './tls-transport.js';
import { WebSocketBrokerSocket } from './ws-socket.js';

/** The subprotocol MQTT 3.1.1 and 5 register for WebSocket. */
const SUBPROTOCOL = 'mqtt';

/**
 * ws:// and wss://: MQTT in binary WebSocket messages, subprotocol "mqtt", at the URL's path.
 * Underneath is the tcp:// or ssl:// connection, with its checks, its failure words and its
 * reset; connectBroker's abort signal bounds the whole of it, HTTP upgrade included.
 */
export const connectWebSocket: BrokerTransport = async (url, options) => {
  const stream = await (url.secure ? connectTls : connectTcp)(url, options);
  return upgrade(stream, url, options.signal);
};

function upgrade(stream: net.Socket, url: BrokerUrl, signal: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.secure ? 'wss' : 'ws'}://${hostAndPort(url)}${url.path ?? ''}`, SUBPROTOCOL, {
      perMessageDeflate: false, // the broker gets the board's bytes as they are, uncompressed
      maxPayload: MAX_MQTT_PACKET_BYTES,
      followRedirects: false,
      // The connection is already up: ws speaks HTTP on it instead of opening its own. (ws calls
      // it with one options object; its type lists net.createConnection's overloads.)
      createConnection: (() => stream) as typeof net.createConnection,
    });
    const settle = (error?: unknown): void => {
      signal.removeEventListener('abort', onAbort);
      ws.removeListener('open', onOpen);
      ws.removeListener('error', onError);
      ws.removeListener('unexpected-response', onResponse);
      if (error === undefined) return resolve(new WebSocketBrokerSocket(ws, stream));
      ws.on('error', () => undefined); // late errors from a connection we gave up on
      ws.terminate();
      stream.destroy();
      reject(error);
    };
    const onAbort = (): void => settle(signal.reason);
    const onOpen = (): void => settle();
    const onError = (error: Error): void => settle(upgradeFailure(error, url));
    const onResponse = (_request: ClientRequest, response: IncomingMessage): void => settle(refused(response, url));
    if (signal.aborted) return settle(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    ws.once('open', onOpen);
    ws.once('error', onError);
    ws.once('unexpected-response', onResponse);
  });
}

/** The server answered the upgrade request with something else than 101 Switching Protocols. */
function refused(response: IncomingMessage, url: BrokerUrl): BrokerConnectError {
  const status = response.statusCode ?? 0;
  const hint =
    status === 404 ? 'is the WebSocket path right?'
    : status === 401 || status === 403 || status === 407 ? 'it wants HTTP credentials, which the bridge does not send'
    : status >= 300 && status < 400 ? `redirects are not followed (it points to ${response.headers.location ?? 'nowhere'})`
    : 'is this a WebSocket listener?';
  return new BrokerConnectError('unreachable', `the broker at ${hostAndPort(url)} answered HTTP ${status} at ${url.path}: ${hint}`);
}

/** A failure once connected: the HTTP upgrade went wrong (or TLS, after its handshake: left as is). */
function upgradeFailure(error: Error, url: BrokerUrl): unknown {
  const at = `the broker at ${hostAndPort(url)}`;
  if (/subprotocol/i.test(error.message)) {
    return new BrokerConnectError('unreachable', `${at} accepted the WebSocket at ${url.path} but not the "${SUBPROTOCOL}" subprotocol: is it an MQTT broker?`, { cause: error });
  }
  if (/^Invalid .* header$|^Server sent|extension/i.test(error.message)) {
    return new BrokerConnectError('unreachable', `${at} answered the WebSocket upgrade at ${url.path} wrongly (${error.message}): is it a WebSocket listener?`, { cause: error });
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return new BrokerConnectError('unreachable', `${at} closed the connection during the WebSocket upgrade at ${url.path}: is it a WebSocket listener, not plain MQTT?`, { code, cause: error });
  }
  return error;
}
