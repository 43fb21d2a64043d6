import { z } from 'zod';
import { describeSecretRef, resolveSecret, secretRef, SecretRefError, type SecretRef } from './secret-ref.js';
import { keyStoreFrom, PemProblem, privateKeyFrom } from './tls-pem.js';
import { createDeviceSigner, type DeviceSigner } from '../azure/device-signer.js';
import { DeviceKeyProblem } from '../azure/sas-token.js';
import { twinPatchProblem, type TwinProperties } from '../azure/twin-merge.js';
import type { ConfigIssue } from './config-error.js';

// A board's `azure:` block: the IoT Hub device it is (docs/azure-iot-hub.md). Secrets are read
// here, at load, so a missing key stops the bridge before it starts, naming the key path.

export interface AzureConfig {
  /** `myhub.azure-devices.net` */
  hub: string;
  deviceId: string;
  /** The device key: each CONNECT gets a fresh SAS token as its password. */
  deviceKey?: DeviceSigner;
  /** X.509 authentication: TLS client certificate and key (azure-tls.ts), no password. */
  x509?: { source: string; cert: string[]; key: string };
  /** Lifetime of each SAS token, seconds. */
  tokenTtlS: number;
  /** `offline`: the embedded broker answers the device twin and direct methods (bridge/azure/twin-mode.ts). */
  twin?: 'offline';
  /** The offline twin's desired properties at start. */
  desired?: TwinProperties;
}

const HUB = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
// IoT Hub's device id characters, less `+` and `#`, which no MQTT topic can carry.
const DEVICE_ID = /^[A-Za-z0-9\-.%_*?!(),:=@$']{1,128}$/;
const MAX_TTL_S = 365 * 24 * 3600;

const shown = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? 'a list' : v !== null && typeof v === 'object' ? 'an object' : String(v));
const expected = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'required' : `expected ${what}, got ${shown(issue.input)}`);

/** A secret read and turned into what the bridge uses; problems name the source, never the value. */
function fromSecret<T>(read: (bytes: Buffer, source: string) => T) {
  return secretRef.transform((ref: SecretRef, ctx): T => {
    const source = describeSecretRef(ref);
    try {
      return read(resolveSecret(ref, ''), source);
    } catch (error) {
      if (error instanceof SecretRefError) ctx.issues.push({ code: 'custom', message: error.problem, input: source });
      else if (error instanceof PemProblem || error instanceof DeviceKeyProblem) ctx.issues.push({ code: 'custom', message: `${source}: ${error.message}`, input: source });
      else throw error;
      return z.NEVER;
    }
  });
}

export const azureSchema = z
  .strictObject(
    {
      hub: z.string({ error: expected('an IoT Hub host name such as myhub.azure-devices.net') }).regex(HUB, { error: expected('an IoT Hub host name such as myhub.azure-devices.net') }),
      deviceId: z.string({ error: expected('a device id') }).regex(DEVICE_ID, { error: expected("a device id of 1 to 128 letters, digits or - . % _ * ? ! ( ) , : = @ $ '") }),
      deviceKey: fromSecret((bytes, source) => createDeviceSigner(bytes, source)).optional(),
      x509: z
        .strictObject(
          {
            cert: fromSecret((bytes, source) => ({ source, certificates: keyStoreFrom(bytes).certificates })),
            key: fromSecret((bytes) => privateKeyFrom(bytes)),
          },
          { error: expected('{ cert: <secret>, key: <secret> }') },
        )
        .transform(({ cert, key }) => ({ source: cert.source, cert: cert.certificates, key }))
        .optional(),
      tokenTtlS: z.int({ error: expected(`a whole number of seconds from 60 to ${MAX_TTL_S}`) }).min(60, { error: expected('at least 60 (s)') }).max(MAX_TTL_S, { error: expected(`at most ${MAX_TTL_S} (s)`) }).optional(),
      twin: z.literal('offline', { error: expected('"offline"') }).optional(),
      desired: z.record(z.string(), z.unknown(), { error: expected('an object of desired properties') }).superRefine((value, ctx) => {
        const problem = twinPatchProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
      }).optional(),
    },
    { error: expected('an object such as { hub: myhub.azure-devices.net, deviceId: dev1, deviceKey: { env: AZURE_DEVICE_KEY } }') },
  )
  .superRefine((a, ctx) => {
    if (a.deviceKey && a.x509) ctx.addIssue({ code: 'custom', path: ['x509'], message: 'give either deviceKey or x509, not both' });
    if (a.tokenTtlS !== undefined && !a.deviceKey) ctx.addIssue({ code: 'custom', path: ['tokenTtlS'], message: 'tokenTtlS needs deviceKey (tokens are signed with it)' });
    if (a.desired !== undefined && a.twin !== 'offline') ctx.addIssue({ code: 'custom', path: ['desired'], message: 'desired needs twin: offline' });
  })
  .transform((a): AzureConfig => ({ ...a, tokenTtlS: a.tokenTtlS ?? 3600 }));

/**
 * Across boards: the offline twin lives in the embedded broker, so a board elsewhere cannot have
 * one; and two boards cannot be the same device (IoT Hub would drop one for the other).
 */
export function azureIssues(boards: readonly { broker: unknown; azure?: AzureConfig }[]): ConfigIssue[] {
  const devices = new Map<string, number>();
  return boards.flatMap((b, i): ConfigIssue[] => {
    if (!b.azure) return [];
    const issues: ConfigIssue[] = [];
    if (b.azure.twin === 'offline' && b.broker !== 'embedded') {
      issues.push({ path: `boards[${i}].azure.twin`, message: 'twin: offline needs the board\'s broker to be "embedded" (the twin mode runs in the embedded broker)' });
    }
    const device = `${b.azure.hub.toLowerCase()}/${b.azure.deviceId}`;
    const same = devices.get(device);
    if (same === undefined) devices.set(device, i);
    else issues.push({ path: `boards[${i}].azure.deviceId`, message: `device ${b.azure.deviceId} of ${b.azure.hub} is already boards[${same}]` });
    return issues;
  });
}
