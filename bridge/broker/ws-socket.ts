import net from 'node:net';
import type WebSocket from 'ws';

/**
 * An open MQTT-over-WebSocket connection dressed as the `net.Socket` the session drives: 'data'
 * is the binary messages' payloads (MQTT allows packets split or merged across messages, and the
 * session re-splits them anyway), writes go out as binary messages.
 *
 * It extends net.Socket, handle-less, rather than casting a Duplex: every member the session
 * (or anyone) may touch then exists with net.Socket's own semantics — pause/resume, cork,
 * destroySoon, writableNeedDrain — and only the I/O hooks and the cuts are replaced.
 *
 * A cork batch (broker-link corks the packets of one turn) leaves as one message, as it leaves
 * in one writev on TCP: fewer frames and syscalls, and no MQTT-visible difference.
 */
export class WebSocketBrokerSocket extends net.Socket {
  readonly #ws: WebSocket;
  /** What carries the frames: the tcp:// socket, or the ssl:// one (whose reset reaches its TCP). */
  readonly #stream: net.Socket;
  #cut = false;

  constructor(ws: WebSocket, stream: net.Socket) {
    super({ allowHalfOpen: false });
    this.#ws = ws;
    this.#stream = stream;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      // MQTT over WebSocket is binary only (MQTT 3.1.1 §6); the spec says to drop the connection.
      if (!isBinary) return void this.destroy(new Error('the broker sent a text WebSocket message: MQTT travels in binary messages only'));
      if (!this.push(data)) ws.pause();
    });
    ws.on('error', (error) => this.destroy(error));
    ws.on('close', () => this.push(null));
  }

  override _read(): void {
    if (this.#ws.isPaused) this.#ws.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    // Done once the frame is handed to the TCP socket: its congestion is ours, so drain follows it.
    this.#ws.send(chunk, { binary: true }, done);
  }

  override _writev(chunks: { chunk: Buffer }[], done: (error?: Error | null) => void): void {
    this.#ws.send(Buffer.concat(chunks.map((c) => c.chunk)), { binary: true }, done);
  }

  override _final(done: (error?: Error | null) => void): void {
    if (!this.#cut) {
      // After the board's DISCONNECT: a clean close handshake, then ws closes the TCP.
      this.#ws.close(1000);
      return done();
    }
    // A fin cut mirrors TCP's: FIN (after close_notify on wss) with no WebSocket close frame,
    // so the broker sees the connection vanish, as it would a board that died.
    const stream = this.#stream;
    if (stream.writableFinished || stream.destroyed) return done();
    const settle = (): void => {
      stream.removeListener('finish', settle);
      stream.removeListener('close', settle);
      done();
    };
    stream.once('finish', settle);
    stream.once('close', settle);
    stream.end();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.#ws.removeAllListeners('message');
    this.#ws.on('error', () => undefined); // late errors of a socket already given up
    this.#ws.terminate();
    done(error);
    // net.Socket emits 'close' itself (emitClose is off for it), once destroyed.
    process.nextTick(() => this.emit('close', error != null));
  }

  /** fin cut: what was queued goes out, then FIN without a WebSocket close (see _final). */
  override destroySoon(): void {
    this.#cut = true;
    super.destroySoon();
  }

  /** rst cut: TCP RST at once, below TLS and WebSocket alike. */
  override resetAndDestroy(): this {
    if (!this.#stream.destroyed) this.#stream.resetAndDestroy();
    this.destroy();
    return this;
  }

  override setNoDelay(noDelay?: boolean): this {
    this.#stream.setNoDelay(noDelay);
    return this;
  }

  override setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.#stream.setKeepAlive(enable, initialDelay);
    return this;
  }
}
