import { mkdir, readdir, unlink } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { controlRequest } from './control-client.js';

/**
 * Where running bridges put their control sockets, one per process (`<pid>.sock`), so that
 * several bridges can run and `dl7450-bridge power <board>` finds the one with that board.
 */
export function controlDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'dl7450-bridge') : join(tmpdir(), `dl7450-bridge-${userInfo().uid}`);
}

/**
 * This process's control socket, its folder made owner-only. Sockets left there by killed
 * bridges (their pid gone) are removed on the way, or the folder would only ever grow.
 */
export async function ownControlPath(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const dir = controlDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const pid = /^(\d+)\.sock$/.exec(name)?.[1];
    if (pid !== undefined && Number(pid) !== process.pid && !processAlive(Number(pid))) await unlink(join(dir, name)).catch(() => undefined);
  }
  return join(dir, `${process.pid}.sock`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

interface RunningBridge {
  path: string;
  boards: string[];
}

/** The bridges whose sockets answer, each with its board names; sockets of dead bridges are removed. */
export async function runningBridges(env: NodeJS.ProcessEnv = process.env): Promise<RunningBridge[]> {
  const dir = controlDir(env);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.sock'));
  const found = await Promise.all(
    names.map(async (n): Promise<RunningBridge | undefined> => {
      const path = join(dir, n);
      try {
        const boards = (await controlRequest(path, { op: 'boards' })) as { name: string }[];
        return { path, boards: boards.map((b) => b.name) };
      } catch {
        await unlink(path).catch(() => undefined);
        return undefined;
      }
    }),
  );
  return found.filter((b): b is RunningBridge => b !== undefined);
}

/** The control socket of the running bridge that has `board`; an Error saying what to do otherwise. */
export async function findBridgeWithBoard(board: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const bridges = await runningBridges(env);
  if (bridges.length === 0) throw new Error(`no bridge is running (none answers in ${controlDir(env)}): start dl7450-bridge run first`);
  const having = bridges.filter((b) => b.boards.includes(board));
  if (having.length === 1) return having[0].path;
  if (having.length > 1) throw new Error(`${having.length} running bridges have a board named ${board} (${having.map((b) => b.path).join(', ')}): pick one with --control`);
  const all = bridges.flatMap((b) => b.boards);
  throw Object.assign(new Error(`no running bridge has a board named ${board}; they have: ${all.join(', ') || 'none'}`), { usage: true });
}
