import { ptyLinkPathProblem } from '../../drivers/pty/pty-link-path.js';
import { serialDevicePath } from '../../drivers/link-from-spec.js';
import { ttyDeviceProblem } from '../../drivers/serial/tty-device-problem.js';

/**
 * What makes a board's line impossible to open however long the daemon retries, checked before
 * it starts: a pty link in a missing folder or over another program's live pty, a device path
 * that is a file, a folder, a device that is no line (/dev/null, /dev/ptmx) or a symlink loop. A device that does not exist
 * yet is fine: it may be plugged in later.
 */
export async function portPreflightProblems(boards: readonly { name: string; port: string }[]): Promise<string[]> {
  const problems: string[] = [];
  for (const { name, port } of boards) {
    const problem = await portProblem(port);
    if (problem) problems.push(`board "${name}": port ${port}: ${problem}`);
  }
  return problems;
}

async function portProblem(port: string): Promise<string | undefined> {
  if (/^pty:/i.test(port)) return ptyLinkPathProblem(port.slice(4));
  const device = serialDevicePath(/^serial:/i.test(port) ? port.slice('serial:'.length) : port);
  if (!device.startsWith('/')) return undefined; // tcp://, listen://, usb:, COM ports
  return ttyDeviceProblem(device);
}
