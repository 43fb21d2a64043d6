// Defaults for the host side of the link. A board announces its own MTU and window in HELLO;
// the host has memory to spare, so it accepts large frames (a 4 KiB PUBLISH in one frame).
export const HOST_MTU = 8192;
/**
 * Frames a board on a serial line may send ahead of the host's acknowledgement. Enough for
 * any UART, and small for go-back-N: after a loss every unacknowledged frame is sent again,
 * which on a noisy 115200-baud line with 120 frames took 1.4-2.2 x as long (line-model runs).
 */
export const HOST_WINDOW = 32;
/**
 * The same for a line with no wire behind it (a pty, a TCP board link), where a software board
 * needs several reads in flight: with 32 a QoS 0 flood over a pty was stop-and-wait (77-83 k
 * msg/s against 136 k with 120). Held frames are views of the tty's 128 KiB read slabs, so a
 * board whose broker socket is congested can keep up to window x 128 KiB alive (15 MiB here).
 */
export const FAST_LINE_HOST_WINDOW = 120;
/** Whole-packet limit for MQTT from a board; the protocol allows 256 MB, benches rarely need it. */
export const DEFAULT_MAX_PACKET_BYTES = 16 * 1024 * 1024;
