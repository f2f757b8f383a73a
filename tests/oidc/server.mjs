// A real OpenID Connect server (oidc-provider) for connmgr's tests.
//
//   node tests/oidc/server.mjs '<config JSON>'    (or the config in $OIDC_TEST_SERVER_CONFIG)
//
// Config:
//   {"issuers": [{"name": "acme", "kind": "docbyte"},
//                {"name": "generic", "kind": "generic", "refresh_tokens": "offline_access" | "always"}],
//    "clients": [{"issuer": "acme", "client_id": "...", "client_secret": "..." | null,
//                 "redirect_uris": [...], "grant_types": [...], "token_endpoint_auth_method": "...",
//                 "application_type": "native" | "web", "consent_required": true}],
//    "users":   [{"username": "...", "password": "...", "email": "...", "name": "...", "tenant": "acme"}],
//    "ttl":     {"access_token": 300, "refresh_token": 1800, "device_code": 600, "device_interval": 5}}
//
// All issuers share one http server on 127.0.0.1 and a port the OS picks. When
// it is ready it prints one JSON line on stdout:
//   {"port": 41234, "base_url": "http://127.0.0.1:41234",
//    "issuers": {"acme": {"kind": "docbyte", "issuer": "http://127.0.0.1:41234/realms/acme",
//                         "subjects": {"alice": "<sub>"}, "kids": [...]}, ...}}
// Everything else goes to stderr. It exits when stdin closes, so it never
// outlives the test process that started it, however that one ends.
//
// Admin endpoints (loopback callers only), JSON in and out:
//   POST /__admin/rotate-keys  {"issuer": name?}  new signing key, old ones stay in the JWKS
//   POST /__admin/revoke       {"issuer": name, "client_id": id, "username": name?}
//                              revoke the client's grants, refresh tokens and access tokens
//   POST /__admin/slow-down    {"issuer": name, "polls": n}  the next n token requests answer slow_down
//   POST /__admin/expire-device-codes {"issuer": name}       pending device codes expire now

import * as crypto from 'node:crypto';
import * as http from 'node:http';

import { Issuer } from './issuer.mjs';

// oidc-provider prints its notices with console.info, i.e. on stdout, which
// carries only the ready line.
console.info = console.error;
console.log = console.error;

function readConfig() {
  const text = process.argv[2] ?? process.env.OIDC_TEST_SERVER_CONFIG;
  if (!text) throw new Error('pass the configuration as JSON in argv[2] or $OIDC_TEST_SERVER_CONFIG');
  const config = JSON.parse(text);
  const names = new Set();
  for (const { name } of config.issuers ?? []) {
    if (!/^[\w-]+$/.test(name ?? '') || names.has(name)) throw new Error(`bad or duplicate issuer name ${name}`);
    names.add(name);
  }
  for (const client of config.clients ?? []) {
    if (!names.has(client.issuer)) throw new Error(`client ${client.client_id}: unknown issuer ${client.issuer}`);
  }
  return config;
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function admin(req, res, issuers) {
  const loopback = ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(req.socket.remoteAddress);
  if (!loopback) return send(res, 403, { error: 'admin endpoints are for loopback callers only' });
  if (req.method !== 'POST') return send(res, 405, { error: 'POST only' });
  const body = await readJson(req);
  const selected = body.issuer === undefined ? [...issuers.values()] : [issuers.get(body.issuer)];
  if (selected.includes(undefined)) return send(res, 404, { error: `no issuer ${body.issuer}` });

  switch (req.url) {
    case '/__admin/rotate-keys':
      return send(res, 200, { issuers: Object.fromEntries(selected.map((i) => [i.name, i.rotateKeys()])) });
    case '/__admin/revoke':
      if (body.issuer === undefined || !body.client_id) return send(res, 400, { error: 'issuer and client_id are required' });
      return send(res, 200, selected[0].revoke(body.client_id, body.username));
    case '/__admin/slow-down':
      if (body.issuer === undefined) return send(res, 400, { error: 'issuer is required' });
      return send(res, 200, selected[0].slowDown(body.polls ?? 1));
    case '/__admin/expire-device-codes':
      if (body.issuer === undefined) return send(res, 400, { error: 'issuer is required' });
      return send(res, 200, selected[0].expireDeviceCodes());
    default:
      return send(res, 404, { error: `no admin endpoint ${req.url}` });
  }
}

async function main() {
  const config = readConfig();
  const issuers = new Map();

  const server = http.createServer((req, res) => {
    const path = req.url.split('?')[0];
    if (path.startsWith('/__admin/')) {
      admin(req, res, issuers).catch((err) => send(res, 400, { error: String(err.message ?? err) }));
      return;
    }
    const issuer = [...issuers.values()].find((i) => path === i.path || path.startsWith(`${i.path}/`));
    if (!issuer) return send(res, 404, { error: 'not_found', error_description: `no issuer at ${path}` });
    return issuer.handle(req, res);
  });

  // The issuer URLs contain the port, so the providers are made once it is known.
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const baseUrl = `http://127.0.0.1:${port}`;

  // Cookie signing keys, shared by the Provider instances that replace one
  // another on key rotation, so the browser's cookies stay valid.
  const cookieKeys = [crypto.randomBytes(32).toString('base64url')];
  for (const { name, kind, refresh_tokens: refreshTokens } of config.issuers) {
    const clients = (config.clients ?? []).filter((c) => c.issuer === name);
    const users = config.users ?? [];
    issuers.set(name, new Issuer({ name, kind, refreshTokens, baseUrl, clients, users, ttl: config.ttl, cookieKeys }));
  }

  const ready = {
    port,
    base_url: baseUrl,
    issuers: Object.fromEntries([...issuers.values()].map((i) => [i.name, {
      kind: i.kind,
      issuer: i.url,
      subjects: Object.fromEntries(i.users.map((u) => [u.username, u.sub])),
      ...i.keyInfo(),
    }])),
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);

  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
