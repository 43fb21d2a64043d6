import { afterEach, describe, expect, it } from 'vitest';
import mqttPacket from 'mqtt-packet';
import type { Client } from 'aedes';
import { createMemoryLinkPair, type MemoryLink } from '../memory/memory-link.js';
import { readFixedHeader } from '../../streams/mqtt/fixed-header.js';
import { recordBytes, type ByteRecorder } from '../test-support/bytes.js';
import { createVirtualBoard, type BoardEvent, type VirtualBoard } from './virtual-board.js';
import { startAedesOnLine, type AedesOnLine } from './test-support/aedes-on-line.js';
import { nextEvent } from './test-support/emitter-events.js';
import { parsePacket } from './test-support/scripted-host.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function rawBoard(): Promise<{ board: VirtualBoard; boardEnd: MemoryLink; farEnd: MemoryLink; events: BoardEvent[] }> {
  const [boardEnd, farEnd] = createMemoryLinkPair('raw-line');
  await Promise.all([boardEnd.open(), farEnd.open()]);
  const board = createVirtualBoard({ line: boardEnd, mode: 'raw', id: 'raw-board' });
  const events: BoardEvent[] = [];
  board.events$.subscribe((e) => events.push(e));
  cleanups.push(async () => {
    board.cut();
    await Promise.all([boardEnd.close(), farEnd.close()]);
  });
  return { board, boardEnd, farEnd, events };
}

/** The first whole MQTT packet on the wire (a client may write one in several pieces). */
async function firstPacket(wire: ByteRecorder): Promise<Buffer> {
  for (let have = 2; ; have++) {
    const bytes = await wire.waitFor(have);
    const header = readFixedHeader(bytes, 0, bytes.length);
    if (header === 'malformed') throw new Error('the client wrote no valid MQTT fixed header');
    if (header !== 'incomplete') return (await wire.waitFor(header.packetBytes)).subarray(0, header.packetBytes);
  }
}

async function withAedes(farEnd: MemoryLink): Promise<AedesOnLine> {
  const aedes = await startAedesOnLine();
  cleanups.push(() => aedes.stop());
  await aedes.attach(farEnd);
  return aedes;
}

describe('virtual board, raw: the line is one MQTT connection', () => {
  it('connects to a real broker through the line, subscribes, publishes and receives', async () => {
    const { board, farEnd, events } = await rawBoard();
    const aedes = await withAedes(farEnd);
    const seenByBroker = new Promise<string>((resolve) => aedes.broker.once('client', (c: Client) => resolve(c.id)));

    const client = board.connect('mqtt://over-the-line', { clientId: 'raw-1', reconnectPeriod: 0 });
    await nextEvent(client, 'connect');
    expect(await seenByBroker).toBe('raw-1');
    expect(events.find((e) => e.type === 'connection-opened')).toEqual({ type: 'connection-opened', url: 'mqtt://over-the-line' });

    const granted = await client.subscribeAsync('raw/echo', { qos: 1 });
    expect(granted.map((g) => [g.topic, g.qos])).toEqual([['raw/echo', 1]]);
    const message = nextEvent(client, 'message');
    await client.publishAsync('raw/echo', 'through the line', { qos: 1 });
    const [topic, payload] = await message;
    expect(topic).toBe('raw/echo');
    expect(String(payload)).toBe('through the line');
  });

  it('allows one client at a time', async () => {
    const { board, farEnd } = await rawBoard();
    await withAedes(farEnd);
    const first = board.connect('mqtt://over-the-line', { clientId: 'first', reconnectPeriod: 0 });
    expect(() => board.connect('mqtt://over-the-line', { clientId: 'second' })).toThrow(/raw mode.*one MQTT connection/);
    await nextEvent(first, 'connect');
    await first.endAsync();
    // Once the first has ended, the line is free again (this one never connects; cleanup ends it).
    const next = board.connect('mqtt://over-the-line', { clientId: 'next', reconnectPeriod: 0, manualConnect: true });
    expect(next.options.clientId).toBe('next');
  });

  it('close(): the client says DISCONNECT to the broker', async () => {
    const { board, farEnd, events } = await rawBoard();
    const aedes = await withAedes(farEnd);
    const client = board.connect('mqtt://over-the-line', { clientId: 'polite', reconnectPeriod: 0, will: { topic: 'wills/polite', payload: Buffer.from('gone'), qos: 0, retain: false } });
    await nextEvent(client, 'connect');
    const disconnected = new Promise<string>((resolve) => aedes.broker.once('clientDisconnect', (c: Client) => resolve(c.id)));
    const willsPublished: string[] = [];
    aedes.broker.on('publish', (packet) => {
      if (packet.topic === 'wills/polite') willsPublished.push(packet.topic);
    });

    await board.close();
    expect(await disconnected).toBe('polite');
    expect(willsPublished).toEqual([]); // a DISCONNECT discards the will
    expect(events.at(-1)).toEqual({ type: 'stopped', how: 'close' });
  });

  it('cut(): the client loses its connection and nothing more is written to the line', async () => {
    const [boardEnd, farEnd] = createMemoryLinkPair('raw-line');
    await Promise.all([boardEnd.open(), farEnd.open()]);
    let writes = 0;
    const line = { data$: boardEnd.data$, write: (bytes: Buffer) => (writes++, boardEnd.write(bytes)) };
    const board = createVirtualBoard({ line, mode: 'raw' });
    cleanups.push(async () => {
      board.cut();
      await Promise.all([boardEnd.close(), farEnd.close()]);
    });
    const wire = recordBytes(farEnd.data$);
    cleanups.push(() => wire.stop());

    const client = board.connect('mqtt://over-the-line', { clientId: 'cut', reconnectPeriod: 10 });
    expect(parsePacket(await firstPacket(wire))).toMatchObject({ cmd: 'connect', clientId: 'cut' });
    const connected = nextEvent(client, 'connect');
    await farEnd.write(mqttPacket.generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
    await connected;
    const writesAtCut = writes;

    const lost = nextEvent(client, 'close');
    const ended = nextEvent(client, 'end');
    board.cut();
    const refused = await new Promise<Error | undefined>((resolve) => client.publish('after/cut', 'x', (err) => resolve(err)));
    expect(refused).toBeInstanceOf(Error);
    await Promise.all([lost, ended]); // the client is done: no reconnect, no keepalive left to fire
    expect(writes).toBe(writesAtCut);
    expect(client.connected).toBe(false);
  });
});
