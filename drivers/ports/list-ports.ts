import { readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

export interface SerialPortInfo {
  path: string;
  byId?: string;
  byPath?: string;
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
  driver?: string;
}

export interface ListSerialPortsOptions {
  sysRoot?: string;
  devRoot?: string;
}

/**
 * Serial ports from sysfs, without udevadm (node-serialport's list needs it, and containers
 * rarely have it). Never throws: a missing or unreadable sysfs is just no ports.
 */
export async function listSerialPorts({ sysRoot = '/sys', devRoot = '/dev' }: ListSerialPortsOptions = {}): Promise<SerialPortInfo[]> {
  const classDir = join(sysRoot, 'class', 'tty');
  const names = await readdir(classDir).catch(() => [] as string[]);
  const [byId, byPath] = await Promise.all([devLinks(join(devRoot, 'serial', 'by-id')), devLinks(join(devRoot, 'serial', 'by-path'))]);
  const top = await realpath(sysRoot).catch(() => resolve(sysRoot));
  const ports = await Promise.all(names.map((name) => describePort(join(classDir, name), resolve(devRoot, name), top)));
  return ports
    .filter((port): port is SerialPortInfo => port !== undefined)
    .map((port) => withoutUndefined({ ...port, byId: byId.get(port.path), byPath: byPath.get(port.path) }))
    .sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
}

async function describePort(ttyDir: string, path: string, sysTop: string): Promise<SerialPortInfo | undefined> {
  // Virtual terminals (console, ttyN, ptmx, ptys) have no device behind them.
  const device = await realpath(join(ttyDir, 'device')).catch(() => undefined);
  if (!device) return undefined;
  // 8250 ports exist for every configured slot; type 0 (PORT_UNKNOWN) means no UART answered.
  if ((await attribute(ttyDir, 'type')) === '0') return undefined;
  const usb = await usbDeviceDir(device, sysTop);
  return {
    path,
    driver: await driverName(device, sysTop),
    ...(usb && {
      vendorId: await attribute(usb, 'idVendor'),
      productId: await attribute(usb, 'idProduct'),
      serialNumber: await attribute(usb, 'serial'),
      manufacturer: await attribute(usb, 'manufacturer'),
      product: await attribute(usb, 'product'),
    }),
  };
}

/** Since Linux 6.5 a UART's tty hangs off generic serial-base port/ctrl devices: look past them. */
async function driverName(device: string, sysTop: string): Promise<string | undefined> {
  let dir = device;
  while ((await linkName(join(dir, 'subsystem'))) === 'serial-base' && dirname(dir).startsWith(sysTop)) {
    dir = dirname(dir);
  }
  return linkName(join(dir, 'driver'));
}

/** The tty hangs off a USB interface (or a usb-serial port below it); the ids live above. */
async function usbDeviceDir(device: string, sysTop: string): Promise<string | undefined> {
  for (let dir = device; dir.startsWith(sysTop) && dir !== sysTop; dir = dirname(dir)) {
    if (await exists(join(dir, 'idVendor'))) return dir;
  }
  return undefined;
}

/** Map from the device each symlink in dir points at to the symlink's path. */
async function devLinks(dir: string): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  const names = (await readdir(dir).catch(() => [] as string[])).sort();
  for (const name of names) {
    const target = await readlink(join(dir, name)).catch(() => undefined);
    const device = target && resolve(dir, target);
    if (device && !links.has(device)) links.set(device, join(dir, name));
  }
  return links;
}

async function attribute(dir: string, name: string): Promise<string | undefined> {
  const text = await readFile(join(dir, name), 'utf8').catch(() => '');
  return text.trim() || undefined;
}

async function linkName(path: string): Promise<string | undefined> {
  const target = await readlink(path).catch(() => undefined);
  return target && basename(target);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
