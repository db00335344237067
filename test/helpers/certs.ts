// Test certificates made with the `openssl` command in a temporary directory: a CA, server
// certificates for 127.0.0.1 / ::1 / localhost, a client certificate (CN=device-1) signed by
// the CA, and a rogue CA with its own client certificate. EC P-256 keys: fast to make.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  readonly dir: string;
  /** The CA certificate (PEM path) that signed the server and client certificates. */
  readonly caCert: string;
  readonly ca: Buffer;
  readonly serverKey: string;
  readonly serverCert: string;
  /** serverKey encrypted with `serverKeyPassword`. */
  readonly serverKeyEncrypted: string;
  readonly serverKeyPassword: string;
  /** A second server certificate (another serial), for certificate reload. */
  readonly server2Key: string;
  readonly server2Cert: string;
  /** CN=device-1, O=edgemq-tests, OU=sensors; signed by the CA. */
  readonly clientKey: string;
  readonly clientCert: string;
  /** A client certificate (CN=device-1) signed by another CA: untrusted. */
  readonly rogueKey: string;
  readonly rogueCert: string;
  /** Serial numbers (upper-case hex, as Node reports them). */
  readonly serverSerial: string;
  readonly server2Serial: string;
}

const MINIMAL_CONF = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,IP:::1,DNS:localhost
authorityKeyIdentifier = keyid
[client]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
`;

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, OPENSSL_CONF: join(dir, 'openssl.cnf') },
  });
}

function newKey(dir: string, name: string): string {
  openssl(dir, [
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    name,
  ]);
  return join(dir, name);
}

function newCa(dir: string, name: string, cn: string): { key: string; cert: string } {
  const key = newKey(dir, `${name}.key`);
  openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-config',
    'openssl.cnf',
    '-key',
    key,
    '-subj',
    `/CN=${cn}`,
    '-extensions',
    'v3_ca',
    '-days',
    '3',
    '-set_serial',
    '1',
    '-out',
    `${name}.crt`,
  ]);
  return { key, cert: join(dir, `${name}.crt`) };
}

function newLeaf(
  dir: string,
  name: string,
  subject: string,
  section: 'server' | 'client',
  ca: { key: string; cert: string },
  serial: string,
): { key: string; cert: string } {
  const key = newKey(dir, `${name}.key`);
  openssl(dir, [
    'req',
    '-new',
    '-config',
    'openssl.cnf',
    '-key',
    key,
    '-subj',
    subject,
    '-out',
    `${name}.csr`,
  ]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-set_serial',
    `0x${serial}`,
    '-days',
    '3',
    '-extfile',
    'openssl.cnf',
    '-extensions',
    section,
    '-out',
    `${name}.crt`,
  ]);
  return { key, cert: join(dir, `${name}.crt`) };
}

/** Makes a fresh set of certificates in a new temporary directory. */
export function generateCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'edgemq-certs-'));
  writeFileSync(join(dir, 'openssl.cnf'), MINIMAL_CONF);
  const ca = newCa(dir, 'ca', 'edgemq test CA');
  const serverSerial = '5E12A0';
  const server2Serial = '5E12B1';
  const server = newLeaf(dir, 'server', '/CN=localhost', 'server', ca, serverSerial);
  const server2 = newLeaf(dir, 'server2', '/CN=localhost', 'server', ca, server2Serial);
  const client = newLeaf(
    dir,
    'client',
    '/CN=device-1/O=edgemq-tests/OU=sensors',
    'client',
    ca,
    'C11E01',
  );
  const rogueCa = newCa(dir, 'rogue-ca', 'rogue CA');
  const rogue = newLeaf(dir, 'rogue', '/CN=device-1/O=rogue', 'client', rogueCa, 'BAD001');
  const serverKeyPassword = 'edgemq-secret';
  openssl(dir, [
    'pkey',
    '-in',
    server.key,
    '-aes256',
    '-passout',
    `pass:${serverKeyPassword}`,
    '-out',
    'server.enc.key',
  ]);
  return {
    dir,
    caCert: ca.cert,
    ca: readFileSync(ca.cert),
    serverKey: server.key,
    serverCert: server.cert,
    serverKeyEncrypted: join(dir, 'server.enc.key'),
    serverKeyPassword,
    server2Key: server2.key,
    server2Cert: server2.cert,
    clientKey: client.key,
    clientCert: client.cert,
    rogueKey: rogue.key,
    rogueCert: rogue.cert,
    serverSerial,
    server2Serial,
  };
}

let shared: TestCerts | null = null;

/** One set per test process, removed when the process exits. */
export function testCerts(): TestCerts {
  if (shared === null) {
    const certs = generateCerts();
    shared = certs;
    process.once('exit', () => {
      rmSync(certs.dir, { recursive: true, force: true });
    });
  }
  return shared;
}
