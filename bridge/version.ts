import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../streams/framing/load-addon.js';

/** The bridge's version, as HELLO announces it and `--version` prints it. */
export const BRIDGE_VERSION: string = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
