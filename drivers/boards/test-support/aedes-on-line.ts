import net from 'node:net';
import { Aedes } from 'aedes';
import type { Subscription } from 'rxjs';
import type { MemoryLink } from '../../memory/memory-link.js';

export interface AedesOnLine {
  broker: Aedes;
  /** The far end of the board's line is relayed to one TCP connection to the broker. */
  attach(farEnd: MemoryLink): Promise<void>;
  stop(): Promise<void>;
}

/** A real broker (Aedes) on 127.0.0.1, port chosen by the OS, reached through a board's raw line. */
export async function startAedesOnLine(): Promise<AedesOnLine> {
  const broker = await Aedes.createBroker();
  const server = net.createServer((socket) => broker.handle(socket));
  const sockets = new Set<net.Socket>();
  const relays: Subscription[] = [];
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    broker,
    async attach(farEnd) {
      const socket = net.connect(port, '127.0.0.1');
      sockets.add(socket);
      socket.on('error', () => undefined); // the broker closing after a DISCONNECT is normal
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      relays.push(farEnd.data$.subscribe((bytes) => !socket.destroyed && socket.write(bytes)));
      socket.on('data', (bytes: Buffer) => void farEnd.write(bytes).catch(() => undefined));
    },
    async stop() {
      for (const relay of relays) relay.unsubscribe();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}
