/**
 * A real RFC 3161 time-stamping authority for tests: `openssl ts -reply` with a self-made CA
 * (EC P-256; the TSA certificate carries a critical extendedKeyUsage = timeStamping, as RFC 3161
 * §2.3 demands) behind a small HTTP server on 127.0.0.1, port 0 (RFC 3161 §3.4: POST
 * application/timestamp-query, answer application/timestamp-reply).
 *
 * `makeTsaPki` writes the keys and certificates with the openssl command line; `startTsa` serves
 * them. `mode: 'silent'` accepts connections and never answers (a hung TSA), for timeout tests.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** The files of one test PKI. */
export interface TsaPki {
  readonly dir: string;
  /** The root CA certificate (PEM): what a user passes as `--tsa-ca`. */
  readonly caCert: string;
  /** The TSA's certificate (PEM), signed by the CA. */
  readonly tsaCert: string;
  readonly tsaKey: string;
  /** openssl config with a `tsa` section. */
  readonly config: string;
}

function ossl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Makes a CA and a TSA certificate under `dir`. `eku: false` leaves the timeStamping EKU out (a
 * certificate that must not be accepted for time stamps); `notAfterDays` shortens its life.
 */
export function makeTsaPki(dir: string, name = 'Test', options: { eku?: boolean; critical?: boolean } = {}): TsaPki {
  const eku = options.eku !== false;
  const critical = options.critical !== false;
  ossl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  ossl(
    [
      'req',
      '-new',
      '-x509',
      '-key',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '3650',
      '-subj',
      `/CN=${name} Root CA`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  ossl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'tsa.key'], dir);
  ossl(['req', '-new', '-key', 'tsa.key', '-out', 'tsa.csr', '-subj', `/CN=${name} TSA`], dir);
  const ext = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature'];
  if (eku) ext.push(`extendedKeyUsage=${critical ? 'critical,' : ''}timeStamping`);
  writeFileSync(join(dir, 'tsa.ext'), `${ext.join('\n')}\n`);
  ossl(
    [
      'x509',
      '-req',
      '-in',
      'tsa.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'tsa.pem',
      '-days',
      '3650',
      '-extfile',
      'tsa.ext',
    ],
    dir,
  );
  writeFileSync(
    join(dir, 'tsa.cnf'),
    [
      '[ tsa ]',
      'default_tsa = tsa_config',
      '[ tsa_config ]',
      `dir = ${dir}`,
      'serial = $dir/tsaserial',
      'signer_cert = $dir/tsa.pem',
      'certs = $dir/ca.pem',
      'signer_key = $dir/tsa.key',
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ess_cert_id_alg = sha256',
      'ess_cert_id_chain = no',
      'ordering = no',
      'tsa_name = yes',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'tsaserial'), '01\n');
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    tsaCert: join(dir, 'tsa.pem'),
    tsaKey: join(dir, 'tsa.key'),
    config: join(dir, 'tsa.cnf'),
  };
}

/** A running test TSA. */
export interface TestTsa {
  readonly url: string;
  /** Requests answered so far. */
  readonly served: () => number;
  close(): Promise<void>;
}

/** Serves `pki` as a TSA over HTTP on 127.0.0.1 (port 0). */
export async function startTsa(
  pki: TsaPki,
  options: { mode?: 'ok' | 'silent' | 'error500'; basicAuth?: { user: string; password: string } } = {},
): Promise<TestTsa> {
  const mode = options.mode ?? 'ok';
  let served = 0;
  let replies: Promise<void> = Promise.resolve();
  const work = mkdtempSync(join(pki.dir, 'q-'));
  const server: Server = createServer((req, res) => {
    if (mode === 'silent') return; // never answers: the client's timeout must end it
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const auth = options.basicAuth;
      if (
        auth !== undefined &&
        req.headers.authorization !== `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`
      ) {
        res.writeHead(401).end();
        return;
      }
      if (
        mode === 'error500' ||
        req.method !== 'POST' ||
        req.headers['content-type'] !== 'application/timestamp-query'
      ) {
        res.writeHead(mode === 'error500' ? 500 : 415).end();
        return;
      }
      const n = ++served;
      const q = join(work, `${n}.tsq`);
      const r = join(work, `${n}.tsr`);
      writeFileSync(q, Buffer.concat(chunks));
      // One `openssl ts -reply` at a time: it reads and rewrites the serial file without a lock, so
      // two at once can fail with "Error during serial number generation" (a real TSA serialises too).
      replies = replies.then(
        () =>
          new Promise<void>((done) => {
            execFile(
              'openssl',
              ['ts', '-reply', '-config', pki.config, '-section', 'tsa_config', '-queryfile', q, '-out', r],
              (err) => {
                if (err) res.writeHead(500).end(String(err));
                else res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(readFileSync(r));
                done();
              },
            );
          }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    served: () => served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(work, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
