// Defaults for the host side of the link. A board announces its own MTU and window in HELLO;
// the host has memory to spare, so it accepts large frames (a 4 KiB PUBLISH in one frame).
export const HOST_MTU = 8192;
export const HOST_WINDOW = 32;
/** Whole-packet limit for MQTT from a board; the protocol allows 256 MB, benches rarely need it. */
export const DEFAULT_MAX_PACKET_BYTES = 16 * 1024 * 1024;
