import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTree, FAKE_DEV, FAKE_SYSFS } from '../test-support/fake-tree.js';
import { listSerialPorts } from './list-ports.js';

describe('listSerialPorts on a fake sysfs', () => {
  let root: string;
  let sysRoot: string;
  let devRoot: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'list-ports-'));
    sysRoot = join(root, 'sys');
    devRoot = join(root, 'dev');
    await buildTree(sysRoot, FAKE_SYSFS);
    await buildTree(devRoot, FAKE_DEV);
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reports the USB ids, strings, driver and udev links of each real port, sorted by path', async () => {
    expect(await listSerialPorts({ sysRoot, devRoot })).toEqual([
      {
        path: join(devRoot, 'ttyACM0'),
        byId: join(devRoot, 'serial/by-id/usb-DisplayLink_DL-7450_Debug_DL7450-0001-if00'),
        byPath: join(devRoot, 'serial/by-path/pci-0000:00:14.0-usb-0:2:1.0'),
        vendorId: 'cafe',
        productId: '7450',
        serialNumber: 'DL7450-0001',
        manufacturer: 'DisplayLink',
        product: 'DL-7450 Debug',
        driver: 'cdc_acm',
      },
      { path: join(devRoot, 'ttyS0'), driver: 'serial' },
      {
        path: join(devRoot, 'ttyUSB0'),
        byId: join(devRoot, 'serial/by-id/usb-FTDI_FT232R_USB_UART_A10K1ABC-if00-port0'),
        byPath: join(devRoot, 'serial/by-path/pci-0000:00:14.0-usb-0:3:1.0-port0'),
        vendorId: '0403',
        productId: '6001',
        serialNumber: 'A10K1ABC',
        manufacturer: 'FTDI',
        product: 'FT232R USB UART',
        driver: 'ftdi_sio',
      },
    ]);
  });

  it('returns an empty list when sysfs is missing', async () => {
    expect(await listSerialPorts({ sysRoot: join(root, 'nowhere'), devRoot })).toEqual([]);
  });

  it('still lists ports when /dev/serial is missing', async () => {
    const ports = await listSerialPorts({ sysRoot, devRoot: join(root, 'nodev') });
    expect(ports.map((p) => [p.path, p.byId])).toEqual([
      [join(root, 'nodev', 'ttyACM0'), undefined],
      [join(root, 'nodev', 'ttyS0'), undefined],
      [join(root, 'nodev', 'ttyUSB0'), undefined],
    ]);
  });
});

describe('listSerialPorts on this machine', () => {
  it('returns an array without throwing', async () => {
    const ports = await listSerialPorts();
    expect(Array.isArray(ports)).toBe(true);
    for (const port of ports) expect(port.path).toMatch(/^\/dev\//);
  });
});
