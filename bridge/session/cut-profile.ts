/**
 * What the broker sees of a board's connections when the board dies (power cut, tty gone,
 * link dead, reboot). The bridge is the broker's TCP peer, so it decides; the profile says
 * which real board it plays:
 *
 * - `rst`: the connection is reset at once (TCP RST, unsent bytes discarded), as a host whose
 *   stack is still up resets the connections of a process that died. The fastest will.
 * - `fin`: closed without DISCONNECT (TCP FIN after what was already queued), as a gateway that
 *   notices the board is gone and closes for it. The broker publishes the will at once.
 * - `silent`: kept half-open, nothing more sent or read, as when a networked board loses power:
 *   no packet ever says it is gone. The broker notices only through keep-alive, after 1.5 x
 *   keep_alive, and never if the board connected with keep-alive 0 (the SDK's default when
 *   keep_alive is omitted) — then no will is ever published.
 */
export const CUT_PROFILES = ['rst', 'fin', 'silent'] as const;
export type CutProfile = (typeof CUT_PROFILES)[number];

export const DEFAULT_CUT_PROFILE: CutProfile = 'fin';
