import http from 'node:http';
import net from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../log.js';

export const DEFAULT_METRICS_HOST = '127.0.0.1';

const USAGE = 'expected [host:]port such as 9464, 127.0.0.1:9464 or [::1]:9464';

export interface MetricsListen {
  host: string;
  port: number;
}

/** A `--metrics` / `metrics:` value that is not `[host:]port`. */
export class MetricsListenError extends Error {
  override name = 'MetricsListenError';
}

/**
 * `9464` -> 127.0.0.1:9464 (loopback unless a host is named: metrics tell anyone who can read
 * them what the bench is doing), `host:9464`, `[::1]:9464`. Port 0 asks for any free port.
 */
export function parseMetricsListen(listen: string): MetricsListen {
  const fail = (why?: string): never => {
    throw new MetricsListenError(`${why ? `${why}; ` : ''}${USAGE}, got ${JSON.stringify(listen)}`);
  };
  if (typeof listen !== 'string' || listen === '' || /[\s\x00-\x1f\x7f]/.test(listen)) fail();
  const colon = listen.lastIndexOf(':');
  const portText = colon < 0 ? listen : listen.slice(colon + 1);
  const hostText = colon < 0 ? undefined : listen.slice(0, colon);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) fail('the port must be a number from 0 to 65535');
  const port = Number(portText);
  if (hostText === undefined) return { host: DEFAULT_METRICS_HOST, port };
  // ":9464" means every interface to some tools and loopback to others: make the user say which.
  if (hostText === '') fail('name the host (0.0.0.0 for every interface) or give only the port');
  if (hostText.startsWith('[') && hostText.endsWith(']')) {
    const inner = hostText.slice(1, -1);
    if (!net.isIPv6(inner)) fail(`"${hostText}" is not an IPv6 address`);
    return { host: inner, port };
  }
  if (net.isIPv6(hostText)) fail(`an IPv6 address goes in brackets: [${hostText}]:${port}`);
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(hostText)) fail(`"${hostText}" is not a host name or address`);
  return { host: hostText, port };
}

export interface MetricsServer {
  /** Where Prometheus scrapes, with the port actually bound. */
  url: string;
  close(): Promise<void>;
}

const isLoopback = (address: string) => address === '::1' || /^(::ffff:)?127\./.test(address);
const hostPort = (host: string, port: number) => (net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`);

/** Serves `registry` at GET /metrics on `listen` ([host:]port, parseMetricsListen) until close(). */
export async function startMetricsServer(listen: string, registry: Registry, logger: Logger): Promise<MetricsServer> {
  const { host, port } = parseMetricsListen(listen);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (error: unknown) => {
        logger.warn({ err: (error as Error).message }, 'metrics: collecting failed');
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('collecting metrics failed\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = hostPort(host, port);
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `metrics: ${where} is in use (EADDRINUSE); pick another with --metrics`
            : `metrics: cannot listen on ${where}: ${error.message}`,
          { cause: error },
        ),
      );
    });
    server.listen(port, host, () => resolve());
  });
  server.on('error', (error) => logger.warn({ err: error.message }, 'metrics server error'));
  const bound = server.address() as net.AddressInfo;
  const url = `http://${hostPort(bound.address, bound.port)}/metrics`;
  if (!isLoopback(bound.address)) {
    logger.warn({ metrics: url }, 'metrics bound to a non-loopback address: they are reachable from the network');
  }
  logger.info({ metrics: url }, 'metrics listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Prometheus keeps its connection alive between scrapes; close() alone would wait for it.
        server.closeAllConnections();
      }),
  };
}
