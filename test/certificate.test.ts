// The relay's WebTransport certificate: a real X.509v3 ECDSA P-256 certificate that Node's own parser accepts,
// self-signed correctly, valid for at most 14 days (Chromium's rule for serverCertificateHashes).
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateCertificate } from '../src/transport/certificate.js';

describe('generateCertificate', () => {
  it('makes a self-signed P-256 certificate that Node parses and verifies, and hashes its DER', async () => {
    const before = Date.now();
    const c = await generateCertificate();
    const x = new X509Certificate(c.cert);
    expect(x.subject).toBe('CN=swarmwire relay');
    expect(x.issuer).toBe('CN=swarmwire relay');
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    expect(x.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(x.checkPrivateKey(createPrivateKey(c.key))).toBe(true);
    expect(new Uint8Array(x.raw)).toEqual(c.der);
    expect(c.hashHex).toBe(createHash('sha256').update(c.der).digest('hex'));
    expect(Buffer.from(c.hash).toString('hex')).toBe(c.hashHex);
    const from = Date.parse(x.validFrom);
    const to = Date.parse(x.validTo);
    expect(from).toBe(c.notBefore.getTime());
    expect(to).toBe(c.notAfter.getTime());
    expect(from).toBeLessThanOrEqual(before);
    expect(to - from).toBeLessThanOrEqual(14 * 86_400_000);
    expect(to - from).toBe(13 * 86_400_000);
  });

  it('takes hosts, a name and a validity; refuses more than 14 days with a typed error', async () => {
    const c = await generateCertificate({ commonName: 'edge', hosts: ['example.test', '10.1.2.3'], validityDays: 14 });
    const x = new X509Certificate(c.cert);
    expect(x.subject).toBe('CN=edge');
    expect(x.subjectAltName).toBe('DNS:example.test, IP Address:10.1.2.3');
    expect(Date.parse(x.validTo) - Date.parse(x.validFrom)).toBe(14 * 86_400_000);
    await expect(generateCertificate({ validityDays: 15 })).rejects.toMatchObject({ code: 'SW_ERR_CERTIFICATE', message: expect.stringContaining('14') });
    await expect(generateCertificate({ validityDays: 0 })).rejects.toMatchObject({ code: 'SW_ERR_CERTIFICATE' });
  });

  it('two certificates differ in key, serial and hash', async () => {
    const [a, b] = await Promise.all([generateCertificate(), generateCertificate()]);
    expect(a.hashHex).not.toBe(b.hashHex);
    expect(new X509Certificate(a.cert).serialNumber).not.toBe(new X509Certificate(b.cert).serialNumber);
  });
});
