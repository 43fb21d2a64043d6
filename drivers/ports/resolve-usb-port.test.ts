import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTree, FAKE_DEV, FAKE_SYSFS } from '../test-support/fake-tree.js';
import { resolveUsbPort } from './resolve-usb-port.js';

let root: string;
let sysRoot: string;
let devRoot: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'usb-port-'));
  sysRoot = join(root, 'sys');
  devRoot = join(root, 'dev');
  await buildTree(sysRoot, FAKE_SYSFS);
  await buildTree(devRoot, FAKE_DEV);
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('usb:<serial number>', () => {
  it('finds the tty of the device with that serial number, by its by-id link', async () => {
    expect(await resolveUsbPort('DL7450-0001', { sysRoot, devRoot })).toBe(join(devRoot, 'serial/by-id/usb-DisplayLink_DL-7450_Debug_DL7450-0001-if00'));
    expect(await resolveUsbPort('A10K1ABC', { sysRoot, devRoot })).toBe(join(devRoot, 'serial/by-id/usb-FTDI_FT232R_USB_UART_A10K1ABC-if00-port0'));
  });

  it('says which serial numbers are present when the board is not', async () => {
    await expect(resolveUsbPort('DL7450-9999', { sysRoot, devRoot })).rejects.toThrow(
      /no USB serial device with serial number "DL7450-9999" is plugged in; present: DL7450-0001 \(.*ttyACM0\), A10K1ABC \(.*ttyUSB0\)/,
    );
    await expect(resolveUsbPort('DL7450-0001', { sysRoot: join(root, 'none'), devRoot })).rejects.toThrow(/dl7450-bridge ports lists what there is/);
  });
});
