import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom } from 'rxjs';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { patternBytes } from '../test-support/bytes.js';
import { describeSerialLinkContract } from '../test-support/serial-link-contract.js';
import { startSocatPair, type SocatPair } from '../test-support/socat-pair.js';
import { createSerialportLink } from './serialport-link.js';

describeSerialLinkContract('serialport link (socat pty pair)', async () => {
  const socat = await startSocatPair();
  const link = createSerialportLink({ path: socat.a });
  const peer = createSerialportLink({ path: socat.b });
  await peer.open();
  return {
    link,
    peer,
    cleanup: async () => {
      await Promise.all([link.close(), peer.close()]);
      await socat.stop();
    },
  };
});

describe('serialport link', () => {
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function socatPair(): Promise<SocatPair> {
    const socat = await startSocatPair();
    cleanups.push(() => socat.stop());
    return socat;
  }

  it('becomes lost, naming the device, when the line vanishes (socat killed)', async () => {
    const socat = await socatPair();
    const link = createSerialportLink({ path: socat.a });
    cleanups.push(() => link.close());
    await link.open();
    const gone = firstValueFrom(link.state$.pipe(filter((s) => s.type !== 'opened')));
    await socat.kill('SIGKILL');
    const state = await gone;
    expect(state.type).toBe('lost');
    expect(state.type === 'lost' && state.error.message).toMatch(new RegExp(`^${socat.a}: device lost`));
    await expect(link.write(Buffer.from([1]))).rejects.toThrow(/link lost/);
  });

  it('becomes lost when the line vanishes while reading is paused', async () => {
    const socat = await socatPair();
    const link = createSerialportLink({ path: socat.a });
    cleanups.push(() => link.close());
    await link.open();
    link.pauseReading();
    const gone = firstValueFrom(link.state$.pipe(filter((s) => s.type !== 'opened')));
    await socat.kill('SIGKILL');
    const state = await gone;
    expect(state.type === 'lost' && state.error.message).toMatch(new RegExp(`^${socat.a}: device lost \\(the line hung up`));
  });

  it('resolves a write only once the far side has read most of it (no 64 KiB stream buffering)', async () => {
    const socat = await socatPair();
    const link = createSerialportLink({ path: socat.a });
    cleanups.push(() => link.close());
    await link.open();
    // A raw port with no 'data' listener reads nothing until one is attached.
    const board = new SerialPort({ path: socat.b, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => board.open((e) => (e ? reject(e) : resolve())));
    cleanups.push(() => new Promise((resolve) => board.close(() => resolve())));
    const size = 1 << 20;
    let received = 0;
    let receivedWhenResolved = -1;
    const written = link.write(patternBytes(size, 7)).then(() => (receivedWhenResolved = received));
    board.on('data', (chunk: Buffer) => (received += chunk.length));
    await written;
    // What can sit between the two: two pty buffers and socat's 8 KiB, far below 512 KiB.
    expect(receivedWhenResolved).toBeGreaterThan(size - 512 * 1024);
  });

  it('rejects open of a missing device, naming it and the cause', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'serialport-link-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'ttyNOPE0');
    const link = createSerialportLink({ path });
    await expect(link.open()).rejects.toThrow(`cannot open ${path}: no such device (ENOENT)`);
    expect((await firstValueFrom(link.state$)).type).toBe('closed');
  });

  it('rejects open of a device another link holds, saying it is busy', async () => {
    const socat = await socatPair();
    const first = createSerialportLink({ path: socat.a });
    cleanups.push(() => first.close());
    await first.open();
    const second = createSerialportLink({ path: socat.a });
    await expect(second.open()).rejects.toThrow(`cannot open ${socat.a}: busy (EWOULDBLOCK) — another program holds it`);
  });

  it('fills defaults and validates options with a TypeError naming the field', () => {
    expect(createSerialportLink({ path: '/dev/ttyX' }).settings).toEqual({
      path: '/dev/ttyX',
      baudRate: 115200,
      rtscts: false,
      xon: false,
      xoff: false,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
      lock: true,
    });
    expect(() => createSerialportLink({ path: '' })).toThrow(/"path"/);
    expect(() => createSerialportLink({ path: 'p', baudRate: 0 })).toThrow(/"baudRate"/);
    expect(() => createSerialportLink({ path: 'p', baudRate: 9600.5 })).toThrow(TypeError);
    expect(() => createSerialportLink({ path: 'p', dataBits: 9 as 8 })).toThrow(/"dataBits"/);
    expect(() => createSerialportLink({ path: 'p', parity: 'mark' as 'none' })).toThrow(/"parity"/);
    expect(() => createSerialportLink({ path: 'p', stopBits: 1.5 as 1 })).toThrow(/"stopBits"/);
    expect(() => createSerialportLink({ path: 'p', rtscts: 'yes' as unknown as boolean })).toThrow(/"rtscts"/);
  });
});
