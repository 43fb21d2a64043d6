import { describe, expect, it } from 'vitest';
import { formatPortTable } from './format-port-table.js';

describe('formatPortTable', () => {
  it('prints aligned columns with "-" for what is unknown', () => {
    const table = formatPortTable([
      {
        path: '/dev/ttyACM0',
        byId: '/dev/serial/by-id/usb-DisplayLink_DL-7450_Debug_DL7450-0001-if00',
        vendorId: 'cafe',
        productId: '7450',
        serialNumber: 'DL7450-0001',
        manufacturer: 'DisplayLink',
        product: 'DL-7450 Debug',
      },
      { path: '/dev/ttyS0', driver: 'serial' },
    ]);
    expect(table.split('\n')).toEqual([
      'PATH          VID:PID    SERIAL       MANUFACTURER/PRODUCT       BY-ID',
      '/dev/ttyACM0  cafe:7450  DL7450-0001  DisplayLink DL-7450 Debug  usb-DisplayLink_DL-7450_Debug_DL7450-0001-if00',
      '/dev/ttyS0    -          -            -                          -',
    ]);
  });

  it('says so plainly when there are no ports', () => {
    expect(formatPortTable([])).toMatch(/^No serial ports found\./);
  });
});
