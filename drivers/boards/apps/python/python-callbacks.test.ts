import { afterEach, describe, expect, it } from 'vitest';
import { pythonApp } from '../test-support/python-source.js';
import { createTestBoard, createTestClock, type TestBoard } from '../test-support/test-board.js';

// The clock never moves in these tests, so `time.sleep(1)` never returns: whatever Python prints
// after the script starts sleeping was run by a callback delivered during the sleep.
const frozenClock = () => createTestClock(5_000);

const CALLBACKS = `
  from mqtt import MqttClient
  client = MqttClient('tcp://host:1883', 'cb')
  def on_connect(rc, flags):
      print('connect', rc, type(flags).__name__, sorted(flags.items()))
  def on_message(topic, message):
      print('message', topic, type(message).__name__, message)
  def on_subscribe(mid, granted):
      print('subscribe', mid, type(granted).__name__, granted)
  def on_publish(mid, rc):
      print('publish', mid, rc)
  client.on_message(on_message)
  client.on_subscribe(on_subscribe)
  client.on_publish(on_publish)
  client.connect(on_connect, {})
`;

async function fireAll(board: TestBoard): Promise<void> {
  const client = board.mqtt.clients[0];
  client.fireConnect(0, { session_present: false });
  client.fireMessage('a/b', new Uint8Array([0, 1, 0xfe]));
  client.fireSubscribe(7, [1, 128]);
  client.firePublish(3, -3);
  expect(await board.console.take((line) => line.startsWith('connect'), 'connect')).toBe(
    "connect 0 dict [('session_present', False)]",
  );
  expect(await board.console.take((line) => line.startsWith('message'), 'message')).toBe(
    "message a/b bytearray bytearray(b'\\x00\\x01\\xfe')",
  );
  expect(await board.console.take((line) => line.startsWith('subscribe'), 'subscribe')).toBe('subscribe 7 list [1, 128]');
  expect(await board.console.take((line) => line.startsWith('publish'), 'publish')).toBe('publish 3 -3');
}

describe('python app: callbacks', () => {
  let board: TestBoard;
  afterEach(() => board.stopAll());

  it('runs callbacks while the script sleeps in `while True: time.sleep(1)`', async () => {
    board = createTestBoard(frozenClock());
    board.boot(pythonApp(`${CALLBACKS}\n  import time\n  print('looping')\n  while True:\n      time.sleep(1)\n`));
    await board.console.take((line) => line === 'looping', 'looping');
    await board.mqtt.calls.take((call) => call.method === 'connect', 'connect call');
    await fireAll(board);
  });

  it('runs callbacks after the top level returned', async () => {
    board = createTestBoard(frozenClock());
    const running = board.boot(pythonApp(`${CALLBACKS}\n  print('top level done')\n`));
    await board.console.take((line) => line === 'top level done', 'end of top level');
    await board.mqtt.calls.take((call) => call.method === 'connect', 'connect call');
    await fireAll(board);
    const settled = await Promise.race([running.done.then(() => 'done'), Promise.resolve('running')]);
    expect(settled).toBe('running');
  });

  it('runs callbacks one at a time: a sleep inside a callback does not run the next one', async () => {
    board = createTestBoard();
    board.boot(
      pythonApp(`
        import time
        from mqtt import MqttClient
        client = MqttClient('tcp://host:1883', 'cb')
        def on_message(topic, message):
            print('start', topic)
            time.sleep_ms(50)
            print('end', topic)
        client.on_message(on_message)
        print('ready')
      `),
    );
    await board.console.take((line) => line === 'ready', 'ready');
    const client = board.mqtt.clients[0];
    client.fireMessage('first', 'x');
    client.fireMessage('second', 'y');
    await board.console.take((line) => line === 'end second', 'second callback ends');
    expect(board.lines.filter((line) => /^(start|end) /.test(line))).toEqual(['start first', 'end first', 'start second', 'end second']);
  });

  it('reports a failing callback on the console and keeps running the app', async () => {
    board = createTestBoard(frozenClock());
    const running = board.boot(
      pythonApp(`
        from mqtt import MqttClient
        client = MqttClient('tcp://host:1883', 'cb')
        def on_message(topic, message):
            if topic == 'bad':
                raise ValueError('bad topic')
            print('ok', topic)
        client.on_message(on_message)
        print('ready')
      `),
    );
    await board.console.take((line) => line === 'ready', 'ready');
    board.mqtt.clients[0].fireMessage('bad', '');
    board.mqtt.clients[0].fireMessage('good', '');
    expect(await board.console.take((line) => line.startsWith('ok'), 'next callback')).toBe('ok good');
    expect(board.lines).toEqual([
      'ready',
      'Traceback (most recent call last):',
      '  File "app.py", line 5, in on_message',
      'ValueError: bad topic',
      'ok good',
    ]);
    const settled = await Promise.race([running.done.then(() => 'done'), Promise.resolve('running')]);
    expect(settled).toBe('running');
  });
});
