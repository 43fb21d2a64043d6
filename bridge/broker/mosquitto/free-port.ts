import net from 'node:net';
import { once } from 'node:events';

/**
 * A port free on `host` right now (bound to 0, then released). Someone may take it before the
 * caller does: callers that hand it to another process retry on "address in use".
 */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
