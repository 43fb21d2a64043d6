import type { BoardAppContext } from './board-app.js';

/** The console is line-oriented (one LOG frame per line): multi-line text goes out line by line. */
export function logLines(ctx: Pick<BoardAppContext, 'log'>, text: string): void {
  for (const line of text.replace(/\n$/, '').split('\n')) ctx.log(line);
}
