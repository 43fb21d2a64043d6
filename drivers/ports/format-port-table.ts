import { basename } from 'node:path';
import type { SerialPortInfo } from './list-ports.js';

const HEADERS = ['PATH', 'VID:PID', 'SERIAL', 'MANUFACTURER/PRODUCT', 'BY-ID'] as const;

/** Plain aligned columns for `dl7450-bridge ports`; "-" where sysfs had nothing to say. */
export function formatPortTable(ports: readonly SerialPortInfo[]): string {
  if (ports.length === 0) {
    return 'No serial ports found. Plug the board in, or use tcp://host:port or pty:/path instead.';
  }
  const rows = ports.map((port) => [
    port.path,
    port.vendorId && port.productId ? `${port.vendorId}:${port.productId}` : '-',
    port.serialNumber ?? '-',
    [port.manufacturer, port.product].filter(Boolean).join(' ') || '-',
    port.byId ? basename(port.byId) : '-',
  ]);
  const table = [[...HEADERS], ...rows];
  const widths = HEADERS.map((_, column) => Math.max(...table.map((row) => row[column].length)));
  return table
    .map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  '))
    .join('\n');
}
