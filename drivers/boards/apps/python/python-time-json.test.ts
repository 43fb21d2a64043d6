import { afterEach, describe, expect, it } from 'vitest';
import { pythonApp } from '../test-support/python-source.js';
import { createTestBoard, createTestClock, type TestBoard } from '../test-support/test-board.js';

describe('python app: time and json', () => {
  let board: TestBoard;
  afterEach(() => board.stopAll());

  it('reads the board clock and sleeps on it, not on the host clock', async () => {
    const clock = createTestClock(1_700_000_123_456);
    board = createTestBoard(clock);
    board.boot(
      pythonApp(`
        import time, utime
        t0 = time.ticks_ms()
        print('clock', t0 == 1700000123456 & 0x3fffffff, time.time(), time.time_ns(), time.gmtime()[:6], utime is time)
        print('sleeping')
        time.sleep(10)
        print('slept', time.ticks_diff(time.ticks_ms(), t0))
        time.sleep_ms(250)
        print('slept_ms', time.ticks_diff(time.ticks_ms(), t0))
        print('add', time.ticks_diff(time.ticks_add(t0, 5), t0))
      `),
    );
    expect(await board.console.take((line) => line.startsWith('clock'), 'clock')).toBe(
      'clock True 1700000123 1700000123456000000 (2023, 11, 14, 22, 15, 23) True',
    );
    await board.console.take((line) => line === 'sleeping', 'sleeping');
    await clock.nextRead();
    // A sleep that followed the host clock would end after 10 s of real time, past the take timeout.
    clock.advance(10_000);
    expect(await board.console.take((line) => line.startsWith('slept '), 'slept', 5_000)).toBe('slept 10000');
    await clock.nextRead();
    clock.advance(250);
    expect(await board.console.take((line) => line.startsWith('slept_ms'), 'slept_ms', 5_000)).toBe('slept_ms 10250');
    expect(await board.console.take((line) => line.startsWith('add'), 'add')).toBe('add 5');
  });

  it('has MicroPython json', async () => {
    board = createTestBoard();
    board.boot(
      pythonApp(`
        import json
        text = json.dumps({'i': 3, 'of': [1, 2], 'ok': True, 'none': None})
        back = json.loads(text)
        print('json', back == {'i': 3, 'of': [1, 2], 'ok': True, 'none': None}, json.loads('{"x": "\\u00e9"}')['x'])
      `),
    );
    expect(await board.console.take((line) => line.startsWith('json'), 'json')).toBe('json True é');
  });
});
