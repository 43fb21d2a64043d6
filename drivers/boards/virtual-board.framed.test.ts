import { afterEach, describe, expect, it } from 'vitest';
import mqttPacket, { type IConnectPacket, type IPublishPacket, type Packet } from 'mqtt-packet';
import type { MqttClient } from 'mqtt';
import { Channel, CtrlType, Reason } from '../../streams/link/protocol.js';
import { patternBytes } from '../test-support/bytes.js';
import { LinkConnectionError } from './virtual-board.js';
import { startBench, type Bench } from './test-support/board-bench.js';
import { collectEvents, nextEvent } from './test-support/emitter-events.js';

const URL = 'mqtt://broker.example:1883';

let bench: Bench | undefined;
afterEach(async () => {
  await bench?.cleanup();
  bench = undefined;
});

async function open(options: Parameters<typeof startBench>[0] = {}): Promise<Bench> {
  bench = await startBench(options);
  return bench;
}

/** Answers the board's next OPEN and CONNECT the way a bridge and a broker would. */
async function acceptConnection(b: Bench, client: MqttClient): Promise<{ connId: number; connect: IConnectPacket }> {
  const { connId } = await b.host.ctrl('open');
  b.host.sendCtrl({ type: 'opened', connId });
  const { packet } = await b.host.packet(connId);
  expect(packet.cmd).toBe('connect');
  const connected = nextEvent(client, 'connect');
  b.host.send(connId, { cmd: 'connack', returnCode: 0, sessionPresent: false });
  await connected;
  return { connId, connect: packet as IConnectPacket };
}

/** Answers whichever OPEN comes next and its CONNECT; returns the client id it carried. */
async function acceptAny(b: Bench): Promise<string> {
  const { connId } = await b.host.ctrl('open');
  b.host.sendCtrl({ type: 'opened', connId });
  const { packet } = await b.host.packet(connId);
  b.host.send(connId, { cmd: 'connack', returnCode: 0, sessionPresent: false });
  return (packet as IConnectPacket).clientId;
}

const publishTo = (topic: string, payload: Buffer, messageId?: number): Packet =>
  ({ cmd: 'publish', topic, payload, qos: messageId === undefined ? 0 : 1, messageId, retain: false, dup: false }) as IPublishPacket;

describe('virtual board, framed: MQTT.js clients over link connections', () => {
  it('opens a connection, holds the CONNECT until OPENED, and carries a session both ways', async () => {
    const b = await open();
    const will = { topic: 'boards/b1/status', payload: Buffer.from('offline'), qos: 1 as const, retain: true };
    const client = b.board.connect(URL, { clientId: 'b1', keepalive: 42, reconnectPeriod: 0, will, manualConnect: true });
    const sent: Packet[] = collectEvents(client, 'packetsend');
    client.on('error', () => undefined);
    client.connect();

    const open1 = await b.host.ctrl('open');
    expect(open1.url).toBe(URL);
    // A marker sent after OPEN: had the board not held the CONNECT, it would have arrived first.
    b.board.log('after-open');
    expect(await b.host.log()).toBe('after-open');
    expect(b.host.received.filter((r) => r.kind === 'packet')).toEqual([]);

    b.host.sendCtrl({ type: 'opened', connId: open1.connId });
    const connect = await b.host.packet(open1.connId);
    expect(connect.bytes.equals(mqttPacket.generate(sent[0]))).toBe(true); // exactly what MQTT.js wrote
    const c = connect.packet as IConnectPacket;
    expect(c).toMatchObject({ cmd: 'connect', clientId: 'b1', keepalive: 42, protocolVersion: 4 });
    expect(c.will).toMatchObject({ topic: will.topic, qos: 1, retain: true });
    expect(Buffer.from(c.will?.payload as Buffer).toString()).toBe('offline');

    const connected = nextEvent(client, 'connect');
    b.host.send(open1.connId, { cmd: 'connack', returnCode: 0, sessionPresent: false });
    await connected;
    await b.event('connection-opened', (e) => e.connId === open1.connId);

    let acked = false;
    const ackedP = new Promise<Error | undefined>((resolve) =>
      client.publish('boards/b1/up', 'hello', { qos: 1 }, (err) => {
        acked = true;
        resolve(err);
      }),
    );
    const pub = (await b.host.packet(open1.connId)).packet as IPublishPacket;
    expect(pub).toMatchObject({ cmd: 'publish', topic: 'boards/b1/up', qos: 1 });
    expect(pub.payload.toString()).toBe('hello');
    expect(acked).toBe(false); // QoS 1: only the PUBACK completes it
    b.host.send(open1.connId, { cmd: 'puback', messageId: pub.messageId });
    expect(await ackedP).toBeFalsy();

    const message = nextEvent(client, 'message');
    b.host.send(open1.connId, publishTo('boards/b1/down', Buffer.from('hi board')));
    const [topic, payload] = await message;
    expect(topic).toBe('boards/b1/down');
    expect(String(payload)).toBe('hi board');
  });

  it('carries 100 KiB payloads both ways, fragmented over MTU 256', async () => {
    const b = await open({ host: { mtu: 256 } });
    const client = b.board.connect(URL, { clientId: 'big', reconnectPeriod: 0 });
    const { connId } = await acceptConnection(b, client);
    const up = patternBytes(100 * 1024, 1);
    const down = patternBytes(100 * 1024, 2);

    client.publish('big/up', up, { qos: 0 });
    const received = (await b.host.packet(connId)).packet as IPublishPacket;
    expect(received.topic).toBe('big/up');
    expect(Buffer.compare(received.payload as Buffer, up)).toBe(0);
    const framesIn = b.host.outputs.filter((o) => o.type === 'deliver' && o.channel === Channel.MQTT).length;
    expect(framesIn).toBeGreaterThanOrEqual(Math.ceil(up.length / 255));

    const message = nextEvent(client, 'message');
    b.host.send(connId, publishTo('big/down', down));
    const [topic, payload] = await message;
    expect(topic).toBe('big/down');
    expect(Buffer.compare(payload as Buffer, down)).toBe(0);
    const framesOut = b.host.outputs.filter((o) => o.type === 'tx' && o.frame.channel === Channel.MQTT).length;
    expect(framesOut).toBeGreaterThanOrEqual(Math.ceil(down.length / 255));
  });

  it('reports OPEN_FAILED to MQTT.js as an error carrying the reason, then a close', async () => {
    const b = await open();
    const client = b.board.connect(URL, { reconnectPeriod: 0 });
    const errored = nextEvent(client, 'error');
    const closed = nextEvent(client, 'close');
    const { connId } = await b.host.ctrl('open');
    b.host.sendCtrl({ type: 'open-failed', connId, reason: Reason.BROKER_UNREACHABLE, text: 'connection refused' });

    const [error] = await errored;
    expect(error).toBeInstanceOf(LinkConnectionError);
    expect(error).toMatchObject({ code: 'EBROKER_UNREACHABLE', reason: Reason.BROKER_UNREACHABLE, connId, url: URL });
    expect((error as Error).message).toContain('connection refused');
    await closed;
    const failed = await b.event('connection-failed');
    expect(failed).toMatchObject({ connId, reason: Reason.BROKER_UNREACHABLE, reasonName: 'broker_unreachable', text: 'connection refused' });
    expect(b.host.pendingPackets()).toEqual([]); // nothing was sent on a connection that never opened
  });

  it('ends the stream on CLOSED (no error for a broker close) and MQTT.js reconnects with a new OPEN', async () => {
    const b = await open();
    const client = b.board.connect(URL, { clientId: 'again', reconnectPeriod: 20 });
    const errors: Error[] = collectEvents(client, 'error');
    const first = await acceptConnection(b, client);

    const closed = nextEvent(client, 'close');
    b.host.sendCtrl({ type: 'closed', connId: first.connId, reason: Reason.BROKER_CLOSED, text: 'broker went away' });
    await closed;
    expect(await b.event('connection-closed')).toMatchObject({ connId: first.connId, by: 'host', reason: Reason.BROKER_CLOSED });

    const second = await acceptConnection(b, client);
    expect(second.connId).not.toBe(first.connId); // ids go round, so late frames never meet a new connection
    expect(second.connect.clientId).toBe('again');
    expect(errors).toEqual([]);
  });

  it('gives two clients different connection ids and keeps their traffic apart', async () => {
    const b = await open();
    const alice = b.board.connect(URL, { clientId: 'alice', reconnectPeriod: 0 });
    const bob = b.board.connect('mqtts://other.example:8883', { clientId: 'bob', reconnectPeriod: 0 });
    const opens = [await b.host.ctrl('open'), await b.host.ctrl('open')];
    expect(opens[0].connId).not.toBe(opens[1].connId);
    expect(opens.map((o) => o.url)).toEqual([URL, 'mqtts://other.example:8883']);
    const ids = { alice: opens[0].connId, bob: opens[1].connId };

    for (const connId of Object.values(ids)) b.host.sendCtrl({ type: 'opened', connId });
    expect(((await b.host.packet(ids.alice)).packet as IConnectPacket).clientId).toBe('alice');
    expect(((await b.host.packet(ids.bob)).packet as IConnectPacket).clientId).toBe('bob');
    const connected = [nextEvent(alice, 'connect'), nextEvent(bob, 'connect')];
    for (const connId of Object.values(ids)) b.host.send(connId, { cmd: 'connack', returnCode: 0, sessionPresent: false });
    await Promise.all(connected);

    const toAlice: string[] = [];
    const toBob: string[] = [];
    alice.on('message', (topic) => toAlice.push(topic));
    bob.on('message', (topic) => toBob.push(topic));
    const bobGotHis = nextEvent(bob, 'message');
    const aliceGotHers = nextEvent(alice, 'message');
    b.host.send(ids.alice, publishTo('for/alice', Buffer.from('a')));
    b.host.send(ids.bob, publishTo('for/bob', Buffer.from('b')));
    await Promise.all([aliceGotHers, bobGotHis]);
    expect(toAlice).toEqual(['for/alice']);
    expect(toBob).toEqual(['for/bob']);

    alice.publish('from/alice', 'x');
    bob.publish('from/bob', 'y');
    const fromAlice = await b.host.packet(ids.alice);
    const fromBob = await b.host.packet(ids.bob);
    expect((fromAlice.packet as IPublishPacket).topic).toBe('from/alice');
    expect((fromBob.packet as IPublishPacket).topic).toBe('from/bob');
  });

  it('drops every connection when the host resets the link; clients see them lost and reconnect', async () => {
    const b = await open();
    const clients = [b.board.connect(URL, { clientId: 'one', reconnectPeriod: 20 }), b.board.connect(URL, { clientId: 'two', reconnectPeriod: 20 })];
    const errors = clients.map((c) => collectEvents<Error>(c, 'error'));
    for (const client of clients) await acceptConnection(b, client);

    const lost = clients.map((c) => nextEvent(c, 'close'));
    b.host.reset();
    await Promise.all(lost);
    expect((await b.event('link-down')).cause).toBe('peer-reset');
    expect(errors.map((e) => e.map((x) => (x as LinkConnectionError).code))).toEqual([['ELINK_RESET'], ['ELINK_RESET']]);
    const closedByLink = b.events.filter((e) => e.type === 'connection-closed' && e.by === 'link');
    expect(closedByLink).toHaveLength(2);

    // The link is up again (a new session): both clients come back with new OPENs.
    const reconnected = clients.map((c) => nextEvent(c, 'connect'));
    const ids = [await acceptAny(b), await acceptAny(b)];
    await Promise.all(reconnected);
    expect(ids.sort()).toEqual(['one', 'two']);
  });

  it('close(): DISCONNECT, then CLOSE, even behind a backlog on a line with little credit', async () => {
    const b = await open({ host: { window: 1 } });
    const client = b.board.connect(URL, { clientId: 'tidy', reconnectPeriod: 0 });
    const { connId } = await acceptConnection(b, client);
    const ended = nextEvent(client, 'end');

    // 20 KiB (80 frames, one at a time) still queued on the link when the client ends: CTRL is
    // served before MQTT, so a CLOSE sent too early would overtake the PUBLISH and the DISCONNECT.
    client.publish('big/last-words', patternBytes(20 * 1024, 3), { qos: 0 });
    await b.board.close();
    await ended;
    expect(b.events.at(-1)).toEqual({ type: 'stopped', how: 'close' });

    await b.host.ctrl('close', (m) => m.connId === connId);
    const order = b.host.received
      .filter((r) => r.kind === 'ctrl' || r.kind === 'packet')
      .map((r) => (r.kind === 'ctrl' ? `ctrl:${r.msg.type}` : `mqtt:${r.packet.cmd}`));
    expect(order.slice(-3)).toEqual(['mqtt:publish', 'mqtt:disconnect', 'ctrl:close']);
  });

  it('cut(): nothing more reaches the line, clients see their connection lost', async () => {
    // A host that notices a dead board quickly, then keeps calling it (HELLO) as a bridge would.
    const b = await open({ host: { pingIntervalMs: 50, rto: { initialMs: 50, minMs: 20, maxMs: 100 }, maxRetries: 3, helloIntervalMs: 30 } });
    const client = b.board.connect(URL, { clientId: 'doomed', reconnectPeriod: 20 });
    await acceptConnection(b, client);
    const lost = nextEvent(client, 'close');
    const writesBefore = b.writes.length;

    b.board.cut();
    // The program's code may still run after the cut: its client is dead, and says so.
    const refused = await new Promise<Error | undefined>((resolve) => client.publish('after/cut', 'never sent', (err) => resolve(err)));
    expect(refused?.message).toMatch(/disconnecting/);
    await lost;
    expect(b.writes.length).toBe(writesBefore);
    await Promise.all(b.writes.map((w) => w.settled)); // bytes already on the wire land
    const heardAfterCut = b.host.outputs.length;

    const down = await b.host.next('down');
    expect(down.cause).toBe('broken');
    // Three HELLOs after the link broke: a live board would have answered the first.
    const since = b.host.outputs.indexOf(down);
    const isHello = (o: { frame: { channel: number; payload: Buffer } }) => o.frame.channel === Channel.CTRL && o.frame.payload[0] === CtrlType.HELLO;
    for (let i = 0; i < 3; i++) await b.host.next('tx', (o) => isHello(o) && b.host.outputs.indexOf(o) > since);
    expect(b.writes.length).toBe(writesBefore);
    const fromBoard = b.host.outputs.slice(heardAfterCut).filter((o) => o.type === 'deliver' || o.type === 'up' || o.type === 'console' || o.type === 'dropped');
    expect(fromBoard).toEqual([]);
    expect(b.events.at(-1)).toEqual({ type: 'stopped', how: 'cut' });
    expect(() => b.board.connect(URL)).toThrow(/stopped/);
  });
});
