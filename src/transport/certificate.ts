// A self-signed ECDSA P-256 certificate made with WebCrypto alone (Deno, Node, browsers), for WebTransport servers
// that browsers reach with `serverCertificateHashes`. Chromium accepts such a hash only for an X.509v3 ECDSA
// P-256 certificate whose whole validity period is at most 14 days, so the relay makes a fresh one at every start.
// The DER is written by hand: the structure is fixed and small, and no ASN.1 library runs on every runtime.
import { SwarmwireError } from '../wire/errors.js';
import { Status } from '../wire/constants.js';
import { idHex } from '../wire/node-id.js';

export interface CertificateOptions {
  /** Common name of subject and issuer. Default: 'swarmwire relay'. */
  commonName: string;
  /** Validity in days, counted from one minute ago (clock skew); at most 14, Chromium's limit. Default: 13. */
  validityDays: number;
  /** Host names and IP addresses (v4) put in subjectAltName. Default: ['localhost', '127.0.0.1']. */
  hosts: readonly string[];
}

/** A certificate and its key, in the forms servers and browsers want. */
export interface GeneratedCertificate {
  /** The certificate, PEM (Deno.QuicEndpoint's `cert`). */
  cert: string;
  /** The PKCS #8 private key, PEM (Deno.QuicEndpoint's `key`). */
  key: string;
  /** The certificate, DER. */
  der: Uint8Array;
  /** SHA-256 of the DER: the `value` of a `serverCertificateHashes` entry. */
  hash: Uint8Array;
  /** The same hash as lowercase hex. */
  hashHex: string;
  notBefore: Date;
  notAfter: Date;
}

const DAY_MS = 86_400_000;
const MAX_VALIDITY_DAYS = 14;
const OID_ECDSA_SHA256 = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]; // 1.2.840.10045.4.3.2
const OID_COMMON_NAME = [0x55, 0x04, 0x03]; // 2.5.4.3
const OID_SUBJECT_ALT_NAME = [0x55, 0x1d, 0x11]; // 2.5.29.17

/**
 * Makes a self-signed ECDSA P-256 certificate valid for `validityDays` (default 13, at most 14) and its SHA-256
 * hash. Throws SwarmwireError SW_ERR_CERTIFICATE for a validity outside 1 ms … 14 days or where WebCrypto is missing.
 */
export async function generateCertificate(options: Readonly<Partial<CertificateOptions>> = {}): Promise<GeneratedCertificate> {
  const days = options.validityDays ?? 13;
  if (!(days > 0 && days <= MAX_VALIDITY_DAYS)) {
    throw new SwarmwireError('SW_ERR_CERTIFICATE', Status.ExecutionError, `validityDays must be in (0, ${MAX_VALIDITY_DAYS}] (Chromium refuses longer for serverCertificateHashes), got ${days}`);
  }
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new SwarmwireError('SW_ERR_CERTIFICATE', Status.ExecutionError, 'generateCertificate needs WebCrypto (crypto.subtle)');
  const keys = (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const spki = new Uint8Array(await subtle.exportKey('spki', keys.publicKey));
  const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', keys.privateKey));

  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  const notAfter = new Date(notBefore.getTime() + Math.floor(days * DAY_MS / 1000) * 1000);
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0] = (serial[0]! & 0x7f) | 0x40; // positive, and no leading zero byte to strip
  const name = seq(set(seq(oid(OID_COMMON_NAME), tlv(0x0c, utf8(options.commonName ?? 'swarmwire relay')))));
  const algorithm = seq(oid(OID_ECDSA_SHA256));
  const tbs = seq(
    tlv(0xa0, tlv(0x02, [2])), // [0] version: v3
    tlv(0x02, serial),
    algorithm,
    name,
    seq(utcTime(notBefore), utcTime(notAfter)),
    name,
    spki,
    tlv(0xa3, seq(seq(oid(OID_SUBJECT_ALT_NAME), tlv(0x04, seq(...(options.hosts ?? ['localhost', '127.0.0.1']).map(altName)))))),
  );
  const signature = new Uint8Array(await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keys.privateKey, tbs));
  // WebCrypto gives r ‖ s (IEEE P1363); X.509 wants SEQUENCE { INTEGER r, INTEGER s }.
  const ecdsaSig = seq(derInteger(signature.subarray(0, 32)), derInteger(signature.subarray(32)));
  const der = seq(tbs, algorithm, tlv(0x03, concat([new Uint8Array([0]), ecdsaSig])));
  const hash = new Uint8Array(await subtle.digest('SHA-256', der));
  return {
    cert: pem('CERTIFICATE', der),
    key: pem('PRIVATE KEY', pkcs8),
    der,
    hash,
    hashHex: idHex(hash),
    notBefore,
    notAfter,
  };
}

type Bytes = Uint8Array | readonly number[];

function concat(parts: readonly Bytes[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One DER element: tag, definite length, contents. */
function tlv(tag: number, content: Bytes): Uint8Array<ArrayBuffer> {
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return concat([[tag, ...length], content]);
}

const seq = (...items: Bytes[]): Uint8Array<ArrayBuffer> => tlv(0x30, concat(items));
const set = (...items: Bytes[]): Uint8Array => tlv(0x31, concat(items));
const oid = (bytes: readonly number[]): Uint8Array => tlv(0x06, bytes);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** An unsigned big-endian integer as DER INTEGER: no redundant leading zeros, a zero byte before a set top bit. */
function derInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const body = bytes.subarray(start);
  return tlv(0x02, body[0]! & 0x80 ? concat([[0], body]) : body);
}

/** UTCTime YYMMDDHHMMSSZ (RFC 5280 wants it for years before 2050). */
function utcTime(date: Date): Uint8Array {
  const two = (n: number): string => String(n).padStart(2, '0');
  const text = `${two(date.getUTCFullYear() % 100)}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  return tlv(0x17, utf8(text));
}

/** A GeneralName: iPAddress [7] for dotted IPv4, dNSName [2] otherwise. */
function altName(host: string): Uint8Array {
  const ip = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return ip ? tlv(0x87, ip.slice(1).map(Number)) : tlv(0x82, utf8(host));
}

function pem(label: string, der: Uint8Array): string {
  let binary = '';
  for (const b of der) binary += String.fromCharCode(b);
  const b64 = btoa(binary).replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`;
}
