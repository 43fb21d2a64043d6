import { afterEach, describe, expect, it } from 'vitest';
import mqttPacket from 'mqtt-packet';
import { Reason } from '../../streams/link/protocol.js';
import { createMemoryLinkPair, type MemoryLink } from '../memory/memory-link.js';
import { createBoardConnections, type BoardConnections } from './board-connections.js';
import type { BoardEvent } from './board-events.js';
import type { ConnectionEnd, ConnectionHandlers } from './link-connection.js';
import { createMailbox, type Mailbox } from './test-support/mailbox.js';
import { startScriptedHost, type ScriptedHost } from './test-support/scripted-host.js';

// The link side of a board at packet level, against a scripted host: what the MQTT.js tests
// cannot easily provoke (connections opened before the link is up, ids given up on, bad MQTT).

interface Rig {
  ends: MemoryLink[];
  connections: BoardConnections;
  events: Mailbox<BoardEvent>;
  startHost(): Promise<ScriptedHost>;
}

let rig: { stop(): Promise<void> } | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

async function setUp(): Promise<Rig> {
  const ends = createMemoryLinkPair('connections');
  await Promise.all(ends.map((end) => end.open()));
  const events = createMailbox<BoardEvent>();
  const connections = createBoardConnections({ line: ends[0], id: 'b', firmware: 't', mtu: 256, window: 4, maxPacketBytes: 1 << 20, emit: (e) => events.put(e) });
  let host: ScriptedHost | undefined;
  rig = {
    async stop() {
      connections.stop();
      host?.stop();
      await Promise.all(ends.map((end) => end.close()));
    },
  };
  return {
    ends,
    connections,
    events,
    async startHost() {
      host = startScriptedHost(ends[1]);
      await Promise.all([host.next('up'), events.take((e) => e.type === 'link-up', 'board link-up')]);
      return host;
    },
  };
}

/** Handlers that record what the link side tells a connection. */
function recorder() {
  const packets = createMailbox<Buffer>();
  const ends = createMailbox<ConnectionEnd>();
  let opened = 0;
  const handlers: ConnectionHandlers = { opened: () => opened++, packet: (b) => packets.put(b), ended: (e) => ends.put(e) };
  return { handlers, packets, ends, opened: () => opened };
}

describe('board connections', () => {
  it('opens connections made before the link is up once it is, sending their packets after OPENED', async () => {
    const r = await setUp();
    const app = recorder();
    const conn = r.connections.open('mqtt://early.example', app.handlers);
    expect(conn.state).toBe('waiting-for-link');
    const pingreq = mqttPacket.generate({ cmd: 'pingreq' });
    conn.send(pingreq);

    const host = await r.startHost();
    const open = await host.ctrl('open');
    expect(open).toMatchObject({ connId: conn.connId, url: 'mqtt://early.example' });
    expect(conn.state).toBe('opening');
    host.sendCtrl({ type: 'opened', connId: conn.connId });
    const first = await host.packet(conn.connId);
    expect(first.bytes.equals(pingreq)).toBe(true);
    expect(conn.state).toBe('open');
    expect(app.opened()).toBe(1);
  });

  it('keeps an id given up on while opening until the host has answered its OPEN', async () => {
    const r = await setUp();
    const host = await r.startHost();
    const abandoned = r.connections.open('mqtt://slow.example', recorder().handlers);
    await host.ctrl('open');
    abandoned.close();
    expect((await host.ctrl('close')).connId).toBe(abandoned.connId);

    // Every other id in use: the abandoned one is not handed out while its answer is pending.
    for (let i = 1; i < 256; i++) r.connections.open(`mqtt://filler-${i}.example`, recorder().handlers);
    expect(() => r.connections.open('mqtt://one-too-many.example', recorder().handlers)).toThrow(/all 256 connection ids are in use/);

    // The late OPENED is the answer to the abandoned OPEN: no error, and the id is free again.
    // (A LOG sent after it arrives after it: the host had credit, so nothing held the OPENED back.)
    host.sendCtrl({ type: 'opened', connId: abandoned.connId });
    host.sendLog('answered');
    await r.events.take((e) => e.type === 'log' && e.from === 'host', 'LOG from the host');
    const reused = r.connections.open('mqtt://next.example', recorder().handlers).connId;
    expect(r.events.pending().filter((e) => e.type === 'link-error')).toEqual([]);
    expect(reused).toBe(abandoned.connId);
  });

  it('closes a connection on which the host sent malformed MQTT, with protocol_error', async () => {
    const r = await setUp();
    const host = await r.startHost();
    const app = recorder();
    const conn = r.connections.open('mqtt://b.example', app.handlers);
    await host.ctrl('open');
    host.sendCtrl({ type: 'opened', connId: conn.connId });
    host.send(conn.connId, Buffer.from([0x00, 0x00])); // packet type 0 is reserved

    const end = await app.ends.take(() => true, 'connection end');
    expect(end).toMatchObject({ by: 'protocol', failed: false, reason: Reason.PROTOCOL_ERROR });
    expect(await host.ctrl('close')).toEqual({ type: 'close', connId: conn.connId });
    expect(conn.state).toBe('ended');
  });

  it('ignores a CLOSED that crossed the CLOSE of a connection the app already closed', async () => {
    const r = await setUp();
    const host = await r.startHost();
    const app = recorder();
    const conn = r.connections.open('mqtt://b.example', app.handlers);
    await host.ctrl('open');
    host.sendCtrl({ type: 'opened', connId: conn.connId });
    await r.events.take((e) => e.type === 'connection-opened', 'connection-opened');
    conn.close();
    host.sendCtrl({ type: 'closed', connId: conn.connId, reason: Reason.BROKER_CLOSED, text: 'crossing' });
    await host.ctrl('close');

    // A LOG the host sends after the CLOSED reaches the board after it.
    host.sendLog('after the CLOSED');
    await r.events.take((e) => e.type === 'log' && e.from === 'host', 'LOG from the host');
    expect(r.events.pending().filter((e) => e.type === 'link-error' || (e.type === 'connection-closed' && e.by === 'host'))).toEqual([]);
    expect(await app.ends.take(() => true, 'end')).toMatchObject({ by: 'board' });
    expect(app.ends.pending()).toEqual([]);
  });

  it('prints the board app log on the LOG channel, cut to the host MTU at character boundaries', async () => {
    const r = await setUp();
    const host = await r.startHost();
    const line = 'é'.repeat(200); // 400 bytes of two-byte characters: does not fit in one 256-byte frame
    r.connections.log(line);
    const parts = [await host.log(), await host.log()];
    expect(parts.join('')).toBe(line);
    expect(parts.every((p) => Buffer.byteLength(p) <= 256)).toBe(true);
  });
});
