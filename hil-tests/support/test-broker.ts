import type { AuthenticateError, AuthErrorCode } from 'aedes';
import { startEmbeddedBroker } from '../../bridge/broker/embedded-broker.js';
import { createLogCapture } from '../../bridge/broker/mosquitto/log-capture.js';
import { findMosquitto, startMosquitto, type MosquittoOptions } from '../../bridge/broker/mosquitto/local-mosquitto.js';
import type { TestBroker, TestBrokerOptions } from './test-broker-types.js';

export type { TestBroker, TestBrokerOptions } from './test-broker-types.js';

export const FALLBACK_NOTICE = 'mosquitto not found: running against the embedded Aedes broker; CI installs mosquitto';

// What mosquitto 2 answers a 3.1.1 client with a wrong password, an unknown user, or no user
// when anonymous clients are refused (checked in mosquitto.test.ts): 5, not authorised.
const NOT_AUTHORISED = 5 as AuthErrorCode;

let noticeShown = false;

/**
 * Mosquitto when installed; otherwise, after one loud line on stderr (once per process), the
 * embedded Aedes broker set up alike, its gaps listed in `limitations`.
 */
export async function startTestBroker(options: MosquittoOptions = {}): Promise<TestBroker> {
  if (findMosquitto(options.binary)) return startMosquitto(options);
  if (!noticeShown) {
    noticeShown = true;
    process.stderr.write(`${FALLBACK_NOTICE}\n`);
  }
  return startAedesTestBroker(options);
}

/** The Aedes stand-in for startMosquitto: users and anonymous access as mosquitto does them. */
export async function startAedesTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const { users, acl, extraConfig } = options;
  const allowAnonymous = options.allowAnonymous ?? users === undefined;
  const capture = createLogCapture();
  const log = (line: string): void => capture.append(`${line}\n`);
  const limitations: string[] = [];
  if (acl !== undefined) limitations.push('acl: not enforced by the Aedes fallback; every client may publish and subscribe anywhere');
  if (extraConfig?.length) limitations.push(`extraConfig: mosquitto settings ignored by the Aedes fallback (${extraConfig.join('; ')})`);

  const broker = await startEmbeddedBroker({
    aedes: {
      // Mosquitto takes client ids up to 65535 bytes; Aedes' default of 23 would refuse some.
      maxClientsIdLength: 65535,
      authenticate(client, username, password, done) {
        const known = username !== undefined && users !== undefined && Object.hasOwn(users, username);
        const accepted = username === undefined ? allowAnonymous : known && users[username] === (password?.toString('utf8') ?? '');
        if (accepted) return done(null, true);
        log(`Client ${client.id} disconnected, not authorised (user ${username === undefined ? 'none' : `'${username}'`}).`);
        done(Object.assign(new Error('not authorised'), { returnCode: NOT_AUTHORISED }) as AuthenticateError, false);
      },
    },
  });
  broker.aedes.on('clientReady', (client) => log(`New client connected as ${client.id}.`));
  broker.aedes.on('clientDisconnect', (client) => log(`Client ${client.id} disconnected.`));
  let stopping: Promise<void> | undefined;
  return {
    kind: 'aedes',
    url: broker.url,
    host: '127.0.0.1',
    port: broker.port,
    limitations,
    logs: () => capture.text(),
    waitForLog: (pattern, timeoutMs) => capture.waitFor(pattern, timeoutMs),
    stop: () => (stopping ??= broker.close()),
  };
}
