import { listSerialPorts, type ListSerialPortsOptions, type SerialPortInfo } from './list-ports.js';

/** `usb:<serial number>` names a board by its USB serial number, wherever it enumerates. */
export const USB_SCHEME = 'usb:';

export class UsbPortNotFound extends Error {
  override readonly name = 'UsbPortNotFound';
}

/**
 * The tty of the USB device with this serial number, looked up in sysfs now: after a
 * re-enumeration it may be ttyACM1 where it was ttyACM0. Its by-id link when it has one (what
 * the logs should show), else its /dev name. Several ttys (a composite device): the first,
 * unless `index` picks another.
 */
export async function resolveUsbPort(serialNumber: string, options: ListSerialPortsOptions & { index?: number } = {}): Promise<string> {
  const ports = await listSerialPorts(options);
  const matching = ports.filter((p) => p.serialNumber === serialNumber);
  const port: SerialPortInfo | undefined = matching[options.index ?? 0];
  if (!port) {
    const present = ports.filter((p) => p.serialNumber).map((p) => `${p.serialNumber} (${p.path})`);
    throw new UsbPortNotFound(
      `no USB serial device with serial number "${serialNumber}"${matching.length ? ` and index ${options.index}` : ''} is plugged in` +
        (present.length ? `; present: ${present.join(', ')}` : '; dl7450-bridge ports lists what there is'),
    );
  }
  return port.byId ?? port.path;
}
