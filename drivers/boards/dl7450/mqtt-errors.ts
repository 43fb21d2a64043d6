// The SDK's MqttError codes. They are Eclipse Paho's MQTTAsync return codes, so the texts are
// Paho's too; the SDK documents only some codes, the others may surface from the same engine.

export const MqttErrorCode = {
  SUCCESS: 0,
  FAILURE: -1,
  PERSISTENCE_ERROR: -2,
  DISCONNECTED: -3,
  MAX_MESSAGES_INFLIGHT: -4,
  BAD_UTF8_STRING: -5,
  NULL_PARAMETER: -6,
  TOPICNAME_TRUNCATED: -7,
  BAD_STRUCTURE: -8,
  BAD_QOS: -9,
  NO_MORE_MSGIDS: -10,
  OPERATION_INCOMPLETE: -11,
  MAX_BUFFERED_MESSAGES: -12,
  SSL_NOT_SUPPORTED: -13,
  BAD_PROTOCOL: -14,
} as const;

const TEXT: Record<number, string> = {
  0: 'No error',
  [-1]: 'Generic error',
  [-2]: 'Persistence error',
  [-3]: 'Client disconnected',
  [-4]: 'Maximum in-flight messages amount reached',
  [-5]: 'Invalid UTF-8 string',
  [-6]: 'Invalid (NULL) parameter',
  [-7]: 'Topic containing NULL characters has been truncated',
  [-8]: 'Bad structure',
  [-9]: 'Invalid QoS value',
  [-10]: 'Too many pending commands',
  [-11]: 'Operation discarded before completion',
  [-12]: 'No more messages can be buffered',
  [-13]: 'SSL is not supported',
  [-14]: 'Invalid protocol scheme',
};

/** `ErrorDescription(errno)`: human text for an error code. */
export function errorDescription(errno: number): string {
  return TEXT[errno] ?? `Unknown error (${errno})`;
}

/** `mqtt.MqttError`: `errno`, and `args` = [errno, text] as Python exception args. */
export class MqttError extends Error {
  readonly errno: number;
  readonly args: [number, string];

  constructor(errno: number, detail?: string) {
    const text = errorDescription(errno);
    super(detail ? `${text}: ${detail}` : text);
    this.name = 'MqttError';
    this.errno = errno;
    this.args = [errno, text];
  }
}
