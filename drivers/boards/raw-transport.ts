import type { Duplex } from 'node:stream';
import type { ByteLine } from '../../streams/link/link-over-line.js';
import { Reason, reasonName } from '../../streams/link/protocol.js';
import type { BoardEvent } from './board-events.js';
import type { BoardTransport } from './board-transport.js';
import { openRawLineStream } from './raw-line-stream.js';

/** The line carries one MQTT connection's bytes, unframed: each connection attempt is the line itself. */
export function createRawTransport(line: ByteLine, emit: (event: BoardEvent) => void): BoardTransport {
  let current: Duplex | undefined;
  let stopped = false;
  return {
    // TLS settings have nowhere to go on a raw line: the bench file alone decides there.
    openStream(url) {
      // Two readers of one raw line would each get half the bytes: only the newest may read.
      current?.destroy();
      const stream = openRawLineStream(line);
      current = stream;
      emit({ type: 'connection-opened', url });
      stream.once('close', () => {
        if (current === stream) current = undefined;
        const by = stopped ? 'stopped' : 'board';
        emit({ type: 'connection-closed', url, by, reason: Reason.NORMAL, reasonName: reasonName(Reason.NORMAL), text: '' });
      });
      return stream;
    },
    // A raw line has no room for console text: it would corrupt the MQTT byte stream.
    log: (text) => emit({ type: 'log', from: 'board', text }),
    drained: async () => true,
    stop() {
      stopped = true;
      current?.destroy();
    },
  };
}
