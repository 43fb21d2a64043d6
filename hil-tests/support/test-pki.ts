import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A certificate and its key, as files (PEM, plus DER copies) and as PEM text. */
export interface TestIdentity {
  certFile: string;
  keyFile: string;
  certDerFile: string;
  keyDerFile: string;
  certPem: string;
  keyPem: string;
}

/** Made fresh by openssl for one test run, in a temp dir that stop() removes. */
export interface TestPki {
  dir: string;
  /** The CA that signs every identity below except `otherCa`'s own. */
  ca: TestIdentity;
  /** An unrelated CA: trusting it alone, nothing above verifies. */
  otherCa: TestIdentity;
  /** CN localhost, SAN DNS:localhost and IP:127.0.0.1. */
  server: TestIdentity;
  /** Same names, valid only from 2020-01-01 to 2020-01-02. */
  expiredServer: TestIdentity;
  /** SAN DNS:otherhost only. */
  otherhostServer: TestIdentity;
  /** A board's client certificate (CN board-1), signed by `ca`. */
  client: TestIdentity;
  stop(): Promise<void>;
}

// Minimal and self-contained, so the host's openssl.cnf cannot change what is made.
const CONFIG = `[req]
distinguished_name = dn
[dn]
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = CA:FALSE
subjectAltName = DNS:localhost,IP:127.0.0.1
[otherhost_ext]
basicConstraints = CA:FALSE
subjectAltName = DNS:otherhost
[client_ext]
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth
[ca]
default_ca = signer
[signer]
database = $ENV::PKI_DIR/index.txt
serial = $ENV::PKI_DIR/serial
new_certs_dir = $ENV::PKI_DIR/issued
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
`;

/** openssl 3.0 (Debian 12) has no -not_before for x509: `openssl ca -startdate/-enddate` backdates. */
export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'dl7450-pki-'));
  try {
    const config = join(dir, 'openssl.cnf');
    await writeFile(config, CONFIG);
    await mkdir(join(dir, 'issued'));
    await writeFile(join(dir, 'index.txt'), '');
    await writeFile(join(dir, 'serial'), '1000\n');
    const openssl = (...args: string[]) => run('openssl', args, { cwd: dir, env: { ...process.env, PKI_DIR: dir, OPENSSL_CONF: config } });
    const newKey = (name: string) => openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
    let serial = 1;

    const makeCa = async (name: string, cn: string) => {
      await newKey(name);
      await openssl('req', '-config', config, '-x509', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-days', '3', '-extensions', 'ca_ext', '-out', `${name}.pem`);
    };
    const request = async (name: string, cn: string) => {
      await newKey(name);
      await openssl('req', '-config', config, '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`);
    };
    const sign = async (name: string, cn: string, extensions: string) => {
      await request(name, cn);
      await openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(serial++), '-days', '3', '-extfile', config, '-extensions', extensions, '-out', `${name}.pem`);
    };

    await makeCa('ca', 'dl7450 test CA');
    await makeCa('other-ca', 'unrelated test CA');
    await sign('server', 'localhost', 'server_ext');
    await sign('otherhost', 'otherhost', 'otherhost_ext');
    await sign('client', 'board-1', 'client_ext');
    await request('expired', 'localhost');
    await openssl('ca', '-batch', '-config', config, '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', 'expired.csr', '-out', 'expired.pem', '-notext', '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-extfile', config, '-extensions', 'server_ext');

    const identity = async (name: string): Promise<TestIdentity> => {
      await openssl('x509', '-in', `${name}.pem`, '-outform', 'DER', '-out', `${name}.crt.der`);
      await openssl('pkey', '-in', `${name}.key`, '-outform', 'DER', '-out', `${name}.key.der`);
      return {
        certFile: join(dir, `${name}.pem`),
        keyFile: join(dir, `${name}.key`),
        certDerFile: join(dir, `${name}.crt.der`),
        keyDerFile: join(dir, `${name}.key.der`),
        certPem: await readFile(join(dir, `${name}.pem`), 'utf8'),
        keyPem: await readFile(join(dir, `${name}.key`), 'utf8'),
      };
    };
    return {
      dir,
      ca: await identity('ca'),
      otherCa: await identity('other-ca'),
      server: await identity('server'),
      expiredServer: await identity('expired'),
      otherhostServer: await identity('otherhost'),
      client: await identity('client'),
      stop: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
