import { parseOptions } from './parse-options.js';
import { listSerialPorts } from '../../drivers/ports/list-ports.js';
import { formatPortTable } from '../../drivers/ports/format-port-table.js';

export const portsHelp = `dl7450-bridge ports [--json]

Lists serial ports with their USB vendor/product ids, serial numbers and stable /dev/serial/by-id
names (use those in bench configs: /dev/ttyACM0 may change after a re-plug).`;

export async function portsCommand(argv: string[]): Promise<number> {
  const { values } = parseOptions({ args: argv, options: { json: { type: 'boolean' } }, strict: true });
  const ports = await listSerialPorts();
  process.stdout.write(`${values.json ? JSON.stringify(ports, null, 2) : formatPortTable(ports)}\n`);
  return 0;
}
