// TLS server material from files (NanoMQ's keyfile / certfile / cacertfile / key_password)
// and the client-certificate policy (verify_peer / fail_if_no_peer_cert).
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';
import { TransportError } from './errors.js';
import type { PeerCertificate } from './types.js';

export interface TlsFiles {
  keyFile: string;
  certFile: string;
  /** CA bundle that client certificates must chain to (required with verifyPeer). */
  caFile?: string;
  keyPassword?: string;
  /**
   * Ask for a client certificate and verify it against the CA: an untrusted one is refused,
   * none at all is accepted unless failIfNoPeerCert (EMQX / Erlang ssl semantics).
   */
  verifyPeer: boolean;
  /** With verifyPeer: refuse the handshake when the client sends no certificate. */
  failIfNoPeerCert: boolean;
}

function readPem(what: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new TransportError('EMQ_ERR_TLS_FILE', `cannot read TLS ${what} file ${file} (${code})`, {
      cause: error,
    });
  }
}

/**
 * Reads the files and proves they make a usable context (key matches certificate, the
 * password opens the key). Throws TransportError naming the file on any problem.
 */
export function loadSecureContextOptions(files: TlsFiles): SecureContextOptions {
  if (files.verifyPeer && files.caFile === undefined) {
    throw new TransportError(
      'EMQ_ERR_TLS_CONFIG',
      `verify_peer needs a CA file (cacertfile) to verify client certificates against (certfile ${files.certFile})`,
    );
  }
  const options: SecureContextOptions = {
    key: readPem('key', files.keyFile),
    cert: readPem('certificate', files.certFile),
  };
  if (files.caFile !== undefined) options.ca = readPem('CA', files.caFile);
  if (files.keyPassword !== undefined) options.passphrase = files.keyPassword;
  try {
    createSecureContext(options);
  } catch (error) {
    throw new TransportError(
      'EMQ_ERR_TLS_CONFIG',
      `TLS key ${files.keyFile} / certificate ${files.certFile}${files.caFile === undefined ? '' : ` / CA ${files.caFile}`}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return options;
}

/** The tls.Server options for the client-certificate policy. */
export function clientCertificatePolicy(files: TlsFiles): {
  requestCert: boolean;
  rejectUnauthorized: boolean;
} {
  return {
    requestCert: files.verifyPeer,
    rejectUnauthorized: files.verifyPeer && files.failIfNoPeerCert,
  };
}

/**
 * After a handshake on a listener that asked for a certificate: true when the client
 * presented one the CA does not vouch for. Node lets it through when the certificate is
 * optional (rejectUnauthorized false); a bad certificate must still be refused.
 */
export function presentedUntrusted(socket: TLSSocket): boolean {
  if (socket.authorized) return false;
  const cert = socket.getPeerCertificate();
  return Object.keys(cert).length > 0;
}

/** The verified client certificate's identity, or null (none, or not verified). */
export function peerCertificateOf(socket: TLSSocket): PeerCertificate | null {
  if (!socket.authorized) return null;
  const cert = socket.getPeerCertificate();
  if (Object.keys(cert).length === 0) return null;
  const subject: Record<string, string> = {};
  // Node gives a repeated field (two OU) as an array.
  for (const [key, value] of Object.entries(cert.subject as Record<string, string | string[]>)) {
    subject[key] = Array.isArray(value) ? value.join(',') : value;
  }
  const cn = (cert.subject as Record<string, string | string[] | undefined>).CN;
  return { subject, cn: cn === undefined ? null : Array.isArray(cn) ? (cn[0] ?? null) : cn };
}
