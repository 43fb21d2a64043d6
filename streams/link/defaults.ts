// Defaults for the host side of the link. A board announces its own MTU and window in HELLO;
// the host has memory to spare, so it accepts large frames (a 4 KiB PUBLISH in one frame).
export const HOST_MTU = 8192;
// Frames a board may send ahead of the host's acknowledgement. Memory is cheap here (at most
// window x MTU held, about 1 MB), and a fast software board needs several reads in flight:
// with 32 it sent one read's worth and waited for the ACK (stop-and-wait, 83 k msg/s in a
// QoS 0 flood against 118-136 k with 120). A board's own sender still keeps to what it can
// hold for retransmission, whatever credit it is given.
export const HOST_WINDOW = 120;
/** Whole-packet limit for MQTT from a board; the protocol allows 256 MB, benches rarely need it. */
export const DEFAULT_MAX_PACKET_BYTES = 16 * 1024 * 1024;
