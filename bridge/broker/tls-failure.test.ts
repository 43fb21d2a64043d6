import { describe, expect, it } from 'vitest';
import { Reason } from '../../streams/link/protocol.js';
import { brokerConnectErrorFrom } from './broker-connect-error.js';
import { dl7450ErrorFor, reasonCodeFor } from './broker-reasons.js';
import { parseBrokerUrl } from './broker-url.js';
import { describeTlsFailure, TlsHandshakeError } from './tls-failure.js';

const url = parseBrokerUrl('ssl://broker.example:8883');
const nodeError = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`node says ${code}`), { code, ...extra });
const peer = { issuer: 'CN=bench CA', validFrom: 'Jan  1 00:00:00 2020 GMT', validTo: 'Jan  2 00:00:00 2020 GMT', names: ['localhost', '127.0.0.1'] };
const handshake = (code: string, tcpConnected = true) => new TlsHandshakeError(nodeError(code), { checkedName: 'broker.example', peer, tcpConnected });

describe('TLS failures in plain words', () => {
  it.each([
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'untrusted', "the broker's certificate (issued by CN=bench CA) is not signed by a trusted CA (trust_store)"],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'untrusted', 'is not signed by a trusted CA (trust_store)'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'untrusted', 'is not signed by a trusted CA (trust_store)'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'untrusted', 'is not signed by a trusted CA (trust_store)'],
    ['CERT_HAS_EXPIRED', 'expired', "the broker's certificate has expired (not after Jan  2 00:00:00 2020 GMT)"],
    ['CERT_NOT_YET_VALID', 'not-yet-valid', 'is not valid yet (not before Jan  1 00:00:00 2020 GMT)'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'host-mismatch', 'host name mismatch: the certificate is for localhost, 127.0.0.1, not broker.example'],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'client-certificate-refused', 'the broker refused the client certificate (key_store/private_key): it requires one, and none was given'],
    ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'client-certificate-refused', 'the broker refused the client certificate (key_store/private_key): it says the certificate is bad'],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'client-certificate-refused', 'refused the client certificate (key_store/private_key): it does not trust the CA that signed it'],
    ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'handshake', 'no TLS version or cipher in common, or it wants a client certificate (key_store/private_key)'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'handshake', 'the broker did not answer in TLS: is this a plain tcp:// listener?'],
    ['ECONNRESET', 'handshake', 'closed the connection during the handshake: the port may not be a TLS listener, or the broker refused the client certificate (key_store/private_key)'],
    ['CERT_REVOKED', 'handshake', "the broker's certificate did not verify: cert revoked"],
  ])('%s -> %s', (code, cause, words) => {
    const error = brokerConnectErrorFrom(handshake(code), url);
    expect(error).toMatchObject({ reason: 'tls', tlsCause: cause, code });
    expect(error.message).toBe(`TLS with broker.example:8883 failed: ${error.message.split('failed: ')[1]}`);
    expect(error.message).toContain(words);
    expect(error.message).not.toContain(code); // the code stays in .code, out of the board's text
    expect(reasonCodeFor(error)).toBe(Reason.TLS_FAILED);
    expect(dl7450ErrorFor(reasonCodeFor(error))).toBe(-1);
  });

  it('reads Node\'s own errors too (a transport that does not wrap them), with what they carry', () => {
    const altname = nodeError('ERR_TLS_CERT_ALTNAME_INVALID', { host: 'broker.example', cert: { subject: { CN: 'x' }, subjectaltname: 'DNS:other.example' } });
    expect(describeTlsFailure(altname)?.text).toBe('TLS failed: host name mismatch: the certificate is for other.example, not broker.example');
    expect(describeTlsFailure(nodeError('CERT_HAS_EXPIRED'))?.text).toBe("TLS failed: the broker's certificate has expired");
    const early = Object.assign(new Error('Client network socket disconnected before secure TLS connection was established'), { code: 'ECONNRESET' });
    expect(describeTlsFailure(early)?.cause).toBe('handshake');
  });

  it('leaves network errors to the network words', () => {
    expect(describeTlsFailure(nodeError('ECONNRESET'))).toBeUndefined(); // not known to be in a handshake
    expect(brokerConnectErrorFrom(nodeError('ECONNREFUSED'), url)).toMatchObject({ reason: 'unreachable' });
    expect(brokerConnectErrorFrom(handshake('ETIMEDOUT'), url)).toMatchObject({ reason: 'timeout' });
    expect(brokerConnectErrorFrom(nodeError('ENOTFOUND'), url)).toMatchObject({ reason: 'dns' });
  });
});
