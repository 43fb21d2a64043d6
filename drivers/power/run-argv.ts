import { spawn } from 'node:child_process';
import { PowerError } from './power-driver.js';

export interface ArgvResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs argv[0] with argv[1..] as they are: no shell, so nothing in an argument is ever
 * interpreted. Rejects with a PowerError naming the command on a spawn failure, a non-zero
 * exit, a signal or the timeout (the child is then killed).
 */
export function runArgv(argv: readonly string[], timeoutMs: number, what: string): Promise<ArgvResult> {
  if (!Array.isArray(argv) || argv.length === 0 || argv.some((a) => typeof a !== 'string')) {
    return Promise.reject(new TypeError(`${what}: the command must be a non-empty array of strings (argv), not ${JSON.stringify(argv)}`));
  }
  const shown = argv.map((a) => (/^[\w./:=@,+-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { shell: false, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new PowerError(`${what}: \`${shown}\` did not finish within ${timeoutMs} ms (killed)`));
    }, timeoutMs);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const cause = error.code === 'ENOENT' ? 'no such program (is it installed and on PATH?)' : error.message;
      reject(new PowerError(`${what}: cannot run \`${shown}\`: ${cause}`, { cause: error }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ stdout, stderr });
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const said = stderr.trim() || stdout.trim();
      reject(new PowerError(`${what}: \`${shown}\` ${how}${said ? `: ${said.split('\n').slice(-3).join(' / ')}` : ''}`));
    });
  });
}
