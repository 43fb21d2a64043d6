import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** A file's contents, a symlink's target, or an empty directory. */
export type FakeEntry = string | { link: string } | { dir: true };

/** Builds real files, directories and symlinks under root, as sysfs or /dev would have them. */
export async function buildTree(root: string, entries: Record<string, FakeEntry>): Promise<void> {
  for (const [path, entry] of Object.entries(entries)) {
    const full = join(root, path);
    await mkdir(typeof entry === 'object' && 'dir' in entry ? full : dirname(full), { recursive: true });
    if (typeof entry === 'string') await writeFile(full, `${entry}\n`);
    else if ('link' in entry) await symlink(entry.link, full);
  }
}

const USB = 'devices/pci0000:00/0000:00:14.0/usb1';
const ACM = `${USB}/1-2/1-2:1.0`;
const FTDI = `${USB}/1-3/1-3:1.0`;
const UART = 'devices/pnp0/00:00/00:00:0/00:00:0.0';

/** A CDC-ACM board, an FTDI adapter, a real UART, an absent 8250 slot and virtual ttys. */
export const FAKE_SYSFS: Record<string, FakeEntry> = {
  [`${USB}/1-2/idVendor`]: 'cafe',
  [`${USB}/1-2/idProduct`]: '7450',
  [`${USB}/1-2/serial`]: 'DL7450-0001',
  [`${USB}/1-2/manufacturer`]: 'DisplayLink',
  [`${USB}/1-2/product`]: 'DL-7450 Debug',
  [`${ACM}/driver`]: { link: '../../../../../../bus/usb/drivers/cdc_acm' },
  [`${ACM}/tty/ttyACM0/device`]: { link: '../../../1-2:1.0' },
  [`${ACM}/tty/ttyACM0/dev`]: '166:0',
  [`${USB}/1-3/idVendor`]: '0403',
  [`${USB}/1-3/idProduct`]: '6001',
  [`${USB}/1-3/serial`]: 'A10K1ABC',
  [`${USB}/1-3/manufacturer`]: 'FTDI',
  [`${USB}/1-3/product`]: 'FT232R USB UART',
  [`${FTDI}/driver`]: { link: '../../../../../../bus/usb/drivers/ftdi_sio' },
  [`${FTDI}/ttyUSB0/driver`]: { link: '../../../../../../../bus/usb-serial/drivers/ftdi_sio' },
  [`${FTDI}/ttyUSB0/tty/ttyUSB0/device`]: { link: '../../../ttyUSB0' },
  [`${UART}/subsystem`]: { link: '../../../../../bus/serial-base' },
  'devices/pnp0/00:00/00:00:0/subsystem': { link: '../../../../bus/serial-base' },
  'devices/pnp0/00:00/subsystem': { link: '../../../bus/pnp' },
  'devices/pnp0/00:00/driver': { link: '../../../bus/pnp/drivers/serial' },
  [`${UART}/tty/ttyS0/device`]: { link: '../../../00:00:0.0' },
  [`${UART}/tty/ttyS0/type`]: '4',
  'devices/platform/serial8250/serial8250:0/serial8250:0.1/tty/ttyS1/device': { link: '../../../serial8250:0.1' },
  'devices/platform/serial8250/serial8250:0/serial8250:0.1/tty/ttyS1/type': '0',
  'devices/virtual/tty/console/dev': '5:1',
  'devices/virtual/tty/tty0/dev': '4:0',
  'devices/virtual/tty/ptmx/dev': '5:2',
  'class/tty/ttyACM0': { link: `../../${ACM}/tty/ttyACM0` },
  'class/tty/ttyUSB0': { link: `../../${FTDI}/ttyUSB0/tty/ttyUSB0` },
  'class/tty/ttyS0': { link: `../../${UART}/tty/ttyS0` },
  'class/tty/ttyS1': { link: '../../devices/platform/serial8250/serial8250:0/serial8250:0.1/tty/ttyS1' },
  'class/tty/console': { link: '../../devices/virtual/tty/console' },
  'class/tty/tty0': { link: '../../devices/virtual/tty/tty0' },
  'class/tty/ptmx': { link: '../../devices/virtual/tty/ptmx' },
};

export const FAKE_DEV: Record<string, FakeEntry> = {
  'serial/by-id/usb-DisplayLink_DL-7450_Debug_DL7450-0001-if00': { link: '../../ttyACM0' },
  'serial/by-id/usb-FTDI_FT232R_USB_UART_A10K1ABC-if00-port0': { link: '../../ttyUSB0' },
  'serial/by-path/pci-0000:00:14.0-usb-0:2:1.0': { link: '../../ttyACM0' },
  'serial/by-path/pci-0000:00:14.0-usb-0:3:1.0-port0': { link: '../../ttyUSB0' },
};
