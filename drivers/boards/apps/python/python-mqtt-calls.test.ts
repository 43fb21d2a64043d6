import { afterEach, describe, expect, it } from 'vitest';
import { pythonApp } from '../test-support/python-source.js';
import { createTestBoard, type TestBoard } from '../test-support/test-board.js';
import { FakeMqttError } from '../test-support/fake-mqtt-module.js';

describe('python app: calls into the mqtt module', () => {
  let board: TestBoard;
  afterEach(() => board.stopAll());

  it('creates a client, connects with a dict, publishes (mid at once) and subscribes with a tuple and a list', async () => {
    board = createTestBoard();
    board.boot(
      pythonApp(`
        from mqtt import MqttClient, QOS0, QOS1, QOS2, MqttError, ErrorDescription
        import time, json
        client = MqttClient('tcp://bench.broker:1883', 'board-1')
        client.connect(lambda rc, flags: None, {'keep_alive': 30, 'will_topic': 'w', 'will_qos': QOS1, 'will_message': b'off'})
        mids = [client.publish('t/str', 'hello', QOS0), client.publish('t/bytes', b'\\x00\\xff', QOS1),
                client.publish('t/bytearray', bytearray(b'ab'), QOS2), client.publish('t/none', None, QOS1)]
        print('mids', mids)
        print('sub', client.subscribe(('one/#', QOS1)), client.subscribe([('a', QOS0), ('b/+', QOS2)]))
        print('qos', QOS0, QOS1, QOS2, ErrorDescription(-3))
        client.disconnect()
      `),
    );
    expect(await board.console.take((line) => line.startsWith('mids'), 'mids')).toBe('mids [1, 2, 3, 4]');
    expect(await board.console.take((line) => line.startsWith('sub'), 'sub')).toBe('sub 5 6');
    expect(await board.console.take((line) => line.startsWith('qos'), 'qos')).toBe('qos 0 1 2 client disconnected');
    await board.mqtt.calls.take((call) => call.method === 'disconnect', 'disconnect');

    const client = board.mqtt.clients[0];
    expect([client.url, client.clientId]).toEqual(['tcp://bench.broker:1883', 'board-1']);
    expect(client.options).toEqual({ keep_alive: 30, will_topic: 'w', will_qos: 1, will_message: new Uint8Array([0x6f, 0x66, 0x66]) });
    const calls = board.mqtt.history.filter((call) => call.method === 'publish' || call.method === 'subscribe').map((call) => call.args);
    expect(calls).toEqual([
      ['t/str', 'hello', 0],
      ['t/bytes', new Uint8Array([0, 255]), 1],
      ['t/bytearray', new Uint8Array([0x61, 0x62]), 2],
      ['t/none', null, 1],
      [['one/#', 1]],
      [[['a', 0], ['b/+', 2]]],
    ]);
  });

  it('raises the TypeError and MqttError the module throws, with its errno and args, catchable in Python', async () => {
    board = createTestBoard();
    board.mqtt.failNext('subscribe', new FakeMqttError(-4));
    board.boot(
      pythonApp(`
        from mqtt import MqttClient, MqttError
        try:
            MqttClient('gopher://host', 'id')
        except MqttError as e:
            print('url', type(e).__name__, e.errno, e.args)
        client = MqttClient('tcp://host:1883', 'id')
        try:
            client.publish('t', 'x', 3)
        except TypeError as e:
            print('qos', type(e).__name__, e)
        try:
            client.connect(lambda rc, flags: None, {'keep_alive': 30, 'colour': 'blue'})
        except TypeError as e:
            print('option', e)
        try:
            client.subscribe(('t', 1))
        except MqttError as e:
            print('sub', isinstance(e, Exception), e.errno, e.args == (-4, 'max in-flight messages reached'))
        try:
            client.connect(None)
        except TypeError as e:
            print('callback', e)
        print('made', MqttError(-9).args, MqttError(-3, 'gone').errno)
      `),
    );
    expect(await board.console.take((line) => line.startsWith('url'), 'url')).toBe("url MqttError -14 (-14, 'bad protocol in URL')");
    expect(await board.console.take((line) => line.startsWith('qos'), 'qos')).toBe('qos TypeError qos must be 0, 1 or 2');
    expect(await board.console.take((line) => line.startsWith('option'), 'option')).toBe("option unrecognised connect option 'colour'");
    expect(await board.console.take((line) => line.startsWith('sub'), 'sub')).toBe('sub True -4 True');
    expect(await board.console.take((line) => line.startsWith('callback'), 'callback')).toBe('callback callback must be callable, not NoneType');
    expect(await board.console.take((line) => line.startsWith('made'), 'made')).toBe("made (-9, 'invalid QoS') -3");
  });
});
