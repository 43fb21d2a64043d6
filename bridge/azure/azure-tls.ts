import type tls from 'node:tls';
import type { AzureConfig } from '../config/azure-schema.js';

/**
 * The TLS options toward the broker with `azure.x509`'s certificate chain and key in: they are
 * the device's identity, so they win over a `tls:` block's keyStore/privateKey; the block's
 * trust store and verification settings stay. Without x509, `base` unchanged.
 */
export function withAzureX509(base: tls.ConnectionOptions | undefined, azure: AzureConfig | undefined): tls.ConnectionOptions | undefined {
  if (!azure?.x509) return base;
  return { ...base, cert: azure.x509.cert.join(''), key: azure.x509.key };
}
