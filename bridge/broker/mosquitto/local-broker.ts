export interface LocalBrokerOptions {
  /** user name -> password; with users, anonymous clients are refused unless allowAnonymous. */
  users?: Record<string, string>;
  /** Default: true without users, false with them. */
  allowAnonymous?: boolean;
  /** Mosquitto ACL file text (`user alice` / `topic readwrite bench/#`...). */
  acl?: string;
  /** Extra mosquitto.conf lines, one setting each. */
  extraConfig?: string[];
}

/** A broker of our own on 127.0.0.1 (tests, campaigns): Mosquitto, or its Aedes stand-in. */
export interface LocalBroker {
  kind: 'mosquitto' | 'aedes';
  /** `mqtt://127.0.0.1:<port>` */
  url: string;
  host: string;
  port: number;
  /** What the options asked for that this broker does not do (empty for Mosquitto). */
  limitations: string[];
  /** Everything the broker logged so far. */
  logs(): string;
  /** The first log line (already logged or to come) matching `pattern`; rejects after a safety timeout. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /**
   * Freezes the broker process (SIGSTOP): connections stay open, nothing is answered. Only
   * Mosquitto can; the in-process Aedes stand-in leaves it undefined.
   */
  freeze?(): void;
  thaw?(): void;
  /** Stops it, frees the port and removes its files; safe to call twice. */
  stop(): Promise<void>;
}
