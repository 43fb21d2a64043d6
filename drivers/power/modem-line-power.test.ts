import { afterEach, describe, expect, it } from 'vitest';
import { SerialPortMock } from 'serialport';
import { createModemLinePower, type ModemBinding } from './modem-line-power.js';

// No pty has modem lines (TIOCMSET on one is ENOTTY), so the line is serialport's mock
// binding, wrapped to record what the driver asked of it and when.
const MockBinding = SerialPortMock.binding;
function recordingBinding() {
  const events: { at: number; what: string }[] = [];
  const start = performance.now();
  const binding: ModemBinding = {
    async open(options) {
      events.push({ at: 0, what: `open ${options.path} hupcl=${options.hupcl}` });
      const port = await MockBinding.open({ path: options.path, baudRate: options.baudRate });
      return {
        get isOpen() {
          return port.isOpen;
        },
        async set(lines) {
          await port.set(lines);
          events.push({ at: performance.now() - start, what: `set ${JSON.stringify(lines)}` });
        },
        close: async () => {
          events.push({ at: 0, what: 'close' });
          await port.close();
        },
      };
    },
  };
  return { binding, events, log: () => events.map((e) => e.what) };
}

afterEach(() => MockBinding.reset());

describe('modem line power', () => {
  it('level: DTR asserted is power on; the port is opened once, with hupcl off, and kept open', async () => {
    MockBinding.createPort('/dev/ttyUSB7');
    const r = recordingBinding();
    const p = createModemLinePower({ port: '/dev/ttyUSB7', line: 'dtr', mode: 'level', binding: r.binding });
    expect(await p.state()).toBe('unknown');
    await p.on();
    await p.off();
    expect(await p.state()).toBe('off');
    await p.close();
    expect(r.log()).toEqual(['open /dev/ttyUSB7 hupcl=false', 'set {"dtr":true}', 'set {"dtr":false}', 'close']);
  });

  it('level, active low: RTS released is power on (a normally-closed relay)', async () => {
    MockBinding.createPort('/dev/ttyUSB7');
    const r = recordingBinding();
    const p = createModemLinePower({ port: '/dev/ttyUSB7', line: 'rts', mode: 'level', activeLow: true, binding: r.binding });
    await p.off();
    await p.on();
    expect(r.log().slice(1)).toEqual(['set {"rts":true}', 'set {"rts":false}']);
  });

  it('pulse: each switch presses the line for pulseMs, as a finger on a power button', async () => {
    MockBinding.createPort('/dev/ttyUSB7');
    const r = recordingBinding();
    const p = createModemLinePower({ port: '/dev/ttyUSB7', line: 'dtr', mode: 'pulse', pulseMs: 80, binding: r.binding });
    await p.cycle(20);
    expect(r.log().slice(1)).toEqual(['set {"dtr":true}', 'set {"dtr":false}', 'set {"dtr":true}', 'set {"dtr":false}']);
    const sets = r.events.filter((e) => e.what.startsWith('set'));
    expect(sets[1].at - sets[0].at).toBeGreaterThanOrEqual(79); // the press lasted pulseMs
    expect(await p.state()).toBe('on');
  });

  it('names the port when it cannot be opened, and checks its options', async () => {
    const p = createModemLinePower({ port: '/dev/ttyUSB9', line: 'dtr', mode: 'level', binding: recordingBinding().binding });
    await expect(p.on()).rejects.toThrow(/DTR of \/dev\/ttyUSB9 \(level\): cannot open \/dev\/ttyUSB9/);
    expect(() => createModemLinePower({ port: 'x', line: 'cts' as 'dtr', mode: 'level' })).toThrow(/line must be "dtr" or "rts"/);
    expect(() => createModemLinePower({ port: 'x', line: 'dtr', mode: 'toggle' as 'level' })).toThrow(/mode must be "level" or "pulse"/);
  });
});
