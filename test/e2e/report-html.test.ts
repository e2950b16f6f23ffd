/**
 * report.html in a real browser (Debian's chromium, headless): it renders, it works with scripts
 * off, and it makes no request. Every HTTP(S) request the browser makes is sent to a recording proxy
 * on 127.0.0.1 (nothing leaves the machine); a control page that does load a remote image proves
 * the recording works. The screenshot is kept under test/e2e/__screenshots__/ to look at.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoDay } from '../../src/demo/index.js';
import { DEMO_POLICY } from '../../src/demo/policy.js';
import { exportPack } from '../../src/pack/index.js';
import { isoDate } from '../../src/rotation/index.js';
import { DEMO_RULES } from '../helpers/demo-rules.js';
import { writePolicy } from '../compliance/helpers.js';
import { newKey } from '../verify/helpers/pack-fixture.js';
import { removeWhenDone, tempDir } from '../helpers/tmp.js';

const SHOTS = new URL('./__screenshots__/', import.meta.url);
// Chromium's own services (time, component updates, accounts): it calls them whatever the page does.
const BROWSER_OWN = /(^|\.)(google\.com|googleapis\.com|gstatic\.com|gvt1\.com)(:\d+)?$/;

interface Proxy {
  server: Server;
  port: number;
  requests: string[];
}

async function startProxy(): Promise<Proxy> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(404).end();
  });
  server.on('connect', (req, socket) => {
    requests.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, requests };
}

function hostOf(request: string): string {
  const target = request.split(' ')[1] ?? '';
  return target.startsWith('http') ? new URL(target).host : target;
}

/** Runs headless chromium on a file; resolves with its stdout once it exits. */
function chromium(args: string[], proxyPort: number): Promise<string> {
  // The profile (a few MB) goes once the test is done; chromium has exited by then.
  const profile = removeWhenDone(mkdtempSync(join(tmpdir(), 'auditpack-chromium-')));
  const all = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    `--proxy-server=http://127.0.0.1:${proxyPort}`,
    '--proxy-bypass-list=<-loopback>',
    ...args,
  ];
  return new Promise((resolve, reject) => {
    const p = spawn('chromium', all, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 90_000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`chromium exited ${code}: ${err.slice(-2000)}`));
    });
  });
}

describe('report.html in headless chromium', () => {
  let proxy: Proxy;
  let html: string;
  let page: string;
  let cwd: string;
  beforeAll(async () => {
    proxy = await startProxy();
    cwd = tempDir('auditpack-report-html-');
    const policyFile = writePolicy(cwd, DEMO_POLICY);
    const day = 20_300;
    await generateDemoDay(join(cwd, 'logs'), day);
    const r = await exportPack({
      date: isoDate(day),
      logDir: join(cwd, 'logs'),
      artifactsDir: join(cwd, 'artifacts'),
      version: '0.1.0',
      recordEvent: false,
      signingKey: newKey().privateKey,
      compliance: { cwd, policyFile },
    });
    page = join(r.path, 'data', 'report.html');
    html = readFileSync(page, 'utf8');
  });
  afterAll(() => new Promise<void>((r) => proxy.server.close(() => r())));

  it('is self-contained: no script, no external reference of any kind', () => {
    expect(html).not.toMatch(/<script|<iframe|<object|<embed|<link|@import|url\(|\bsrc=|\bhref=/i);
    expect(html).toContain("default-src 'none'");
  });

  it('works without scripts: it has none, and its Content-Security-Policy would stop any in this browser', async () => {
    // Headless chromium cannot turn scripts off (its --dump-dom and --screenshot need them), so the
    // proof is: the page's own CSP, copied onto a page with a script, keeps that script from running.
    const csp = /<meta http-equiv="Content-Security-Policy" content="[^"]*">/.exec(html)?.[0];
    expect(csp).toBeDefined();
    const probe = join(tempDir(), 'probe.html');
    writeFileSync(
      probe,
      `<!DOCTYPE html><html><head>${csp}</head><body><p>static</p><script>document.body.innerHTML = 'SCRIPT RAN'</script></body></html>`,
    );
    const dom = await chromium(['--dump-dom', pathToFileURL(probe).href], proxy.port);
    expect(dom).toContain('<p>static</p>'); // the script would have replaced the body
    const control = join(tempDir(), 'control.html');
    writeFileSync(
      control,
      `<!DOCTYPE html><html><body><p>static</p><script>document.body.innerHTML = 'SCRIPT RAN'</script></body></html>`,
    );
    expect(await chromium(['--dump-dom', pathToFileURL(control).href], proxy.port)).not.toContain('<p>static</p>');
  });

  it('renders: the counts, the chart, every rule, the verification facts', async () => {
    const dom = await chromium(['--dump-dom', pathToFileURL(page).href], proxy.port);
    expect(dom).toContain('Compliance report');
    expect(dom).toMatch(/<svg[^>]*aria-label="events per hour, UTC"/);
    expect((dom.match(/<rect /g) ?? []).length).toBe(24);
    for (const rule of DEMO_RULES) expect(dom).toContain(rule);
    expect(dom).toMatch(/chain end hash<\/dt><dd><code>[0-9a-f]{64}<\/code>/);
    expect(dom).toMatch(/signer<\/dt><dd><code>SHA256:/);
    // Where the day's start state came from (here no day before: nothing carried, and it says so).
    expect(dom).toContain(`<h2>Carried in from ${isoDate(20_299)}</h2>`);
    expect(dom).toContain('nothing was carried');
  });

  it('makes no request, while a control page that loads a remote image does (the proxy sees it)', async () => {
    mkdirSync(SHOTS, { recursive: true });
    const shot = new URL('report.png', SHOTS);
    proxy.requests.length = 0;
    await chromium(
      ['--window-size=1280,4200', '--hide-scrollbars', `--screenshot=${shot.pathname}`, pathToFileURL(page).href],
      proxy.port,
    );
    const fromPage = proxy.requests.filter((r) => !BROWSER_OWN.test(hostOf(r)));
    expect(fromPage).toEqual([]);
    expect(existsSync(shot)).toBe(true);
    expect(statSync(shot).size).toBeGreaterThan(50_000);
    console.log(`report.html screenshot: ${shot.pathname}`);

    const control = join(tempDir(), 'control.html');
    writeFileSync(
      control,
      '<!DOCTYPE html><html><body><p>control</p><img src="http://example.invalid/pixel.png"></body></html>',
    );
    proxy.requests.length = 0;
    await chromium(
      ['--window-size=400,300', `--screenshot=${join(tempDir(), 'control.png')}`, pathToFileURL(control).href],
      proxy.port,
    );
    expect(proxy.requests.filter((r) => !BROWSER_OWN.test(hostOf(r)))).toEqual([
      'GET http://example.invalid/pixel.png',
    ]);
  });

  it('the reviewed page beside the record: review state, dispositions and approver, escaped, still no request', async () => {
    const { recordDispositions, reviewTransition } = await import('../../src/review-flow/index.js');
    const date = isoDate(20_300);
    const o = { artifactsDir: join(cwd, 'artifacts'), logDir: join(cwd, 'logs') };
    const report = JSON.parse(readFileSync(join(cwd, 'artifacts', date, 'data/compliance_report.json'), 'utf8')) as {
      findings: { id: string }[];
    };
    await recordDispositions({ ...o, actor: 'alice@desk' }, date, [
      ...report.findings.map((f) => ({ findingId: f.id, disposition: 'escalated' as const })),
      {
        findingId: report.findings[0]?.id as string,
        disposition: 'accepted' as const,
        reason: '<script>document.body.innerHTML="SCRIPT RAN"</script> desk limit',
      },
    ]);
    await reviewTransition({ ...o, actor: 'alice@desk' }, { date, action: 'submit', key: newKey().privateKey });
    await reviewTransition({ ...o, actor: 'bob@desk' }, { date, action: 'approve', key: newKey().privateKey });
    const { readdirSync } = await import('node:fs');
    const name = readdirSync(join(cwd, 'artifacts', 'reviews', date)).find((n) => n.endsWith('.report.html'));
    const reviewed = join(cwd, 'artifacts', 'reviews', date, name as string);
    expect(readFileSync(page, 'utf8')).toBe(html); // the pack's own page is unchanged
    proxy.requests.length = 0;
    const dom = await chromium(['--dump-dom', pathToFileURL(reviewed).href], proxy.port);
    expect(dom).toContain('<h2>Review</h2>');
    expect(dom).toMatch(/APPROVED<\/span>/);
    expect(dom).toContain('bob@desk at ');
    expect(dom).toMatch(/countersigned by key <code>SHA256:/);
    expect(dom).toContain('&lt;script&gt;');
    expect(dom).not.toMatch(/<script/i); // the reason is text, not markup
    for (const f of report.findings) expect(dom).toContain(f.id);
    expect(dom).toMatch(/signer<\/dt><dd><code>SHA256:/); // the pack's page is all there
    await chromium(
      [
        '--window-size=1280,4200',
        '--hide-scrollbars',
        `--screenshot=${new URL('reviewed.png', SHOTS).pathname}`,
        pathToFileURL(reviewed).href,
      ],
      proxy.port,
    );
    expect(proxy.requests.filter((r) => !BROWSER_OWN.test(hostOf(r)))).toEqual([]);
  });
});
