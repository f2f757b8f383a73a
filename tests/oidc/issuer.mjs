// One OpenID Connect issuer: an oidc-provider instance plus what it needs
// around it (keys, storage, users, clients, sign-in pages).
//
// Two kinds:
// - "docbyte": stands in for Docbyte Vault, which is Keycloak. Issuer
//   /realms/<tenant>, Keycloak's endpoint paths, JWT access tokens with a
//   `tenant` claim, 300 s access tokens, refresh tokens with
//   `refresh_expires_in`, and a Keycloak-style userinfo (see keycloak.mjs).
// - "generic": a standards-only provider at /<name> with oidc-provider's own
//   routes and opaque access tokens, for connmgr's discovery-based template.

import * as crypto from 'node:crypto';

import Provider, { errors, interactionPolicy } from 'oidc-provider';

import { adapterFor, Store } from './adapter.mjs';
import { claimsForScope, DOCBYTE_CLAIMS, STANDARD_CLAIMS } from './claims.mjs';
import { interactions } from './interactions.mjs';
import { keycloakMiddleware, KEYCLOAK_ROUTES } from './keycloak.mjs';
import * as views from './views.mjs';

// The one resource server of a Docbyte realm. Resource indicators are the
// only way oidc-provider issues JWT access tokens; every request is defaulted
// to this one, so clients never send `resource` (Keycloak knows no such thing).
const VAULT_API = 'urn:docbyte:vault-api';
const VAULT_API_SCOPE = 'openid email profile groups tenant';

// A stable UUID-shaped subject (RFC 9562 version 8: custom), like Keycloak's
// user ids, that differs between issuers as it would between real providers.
export function subjectFor(...parts) {
  const hex = crypto.createHash('sha256').update(parts.join('/')).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function newSigningKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' };
}

function clientMetadata(client) {
  const grantTypes = client.grant_types ?? ['authorization_code', 'refresh_token'];
  const redirectUris = client.redirect_uris ?? [];
  return {
    client_id: client.client_id,
    ...(client.client_secret ? { client_secret: client.client_secret } : {}),
    ...(client.client_name ? { client_name: client.client_name } : {}),
    grant_types: grantTypes,
    response_types: grantTypes.includes('authorization_code') ? ['code'] : [],
    redirect_uris: redirectUris,
    post_logout_redirect_uris: client.post_logout_redirect_uris ?? redirectUris,
    token_endpoint_auth_method: client.token_endpoint_auth_method
      ?? (client.client_secret ? 'client_secret_basic' : 'none'),
    // "native" (RFC 8252) accepts both a claimed https redirect URI and a
    // loopback one on any port, which is what a desktop app needs.
    application_type: client.application_type ?? 'native',
  };
}

export class Issuer {
  constructor({ name, kind, refreshTokens, baseUrl, clients, users, ttl, cookieKeys }) {
    if (!['docbyte', 'generic'].includes(kind)) throw new Error(`issuer ${name}: unknown kind ${kind}`);
    this.name = name;
    this.kind = kind;
    this.docbyte = kind === 'docbyte';
    // Keycloak issues a refresh token with every authorization-code sign-in
    // ("always"); OIDC Core only for offline_access, which counts only with
    // prompt=consent ("offline_access", oidc-provider's default).
    this.refreshTokens = refreshTokens ?? (this.docbyte ? 'always' : 'offline_access');
    if (!['always', 'offline_access'].includes(this.refreshTokens)) {
      throw new Error(`issuer ${name}: refresh_tokens must be "always" or "offline_access"`);
    }
    this.path = this.docbyte ? `/realms/${name}` : `/${name}`;
    this.url = `${baseUrl}${this.path}`;
    this.ttl = { access_token: 300, refresh_token: 1800, ...ttl };
    this.cookieKeys = cookieKeys;
    this.claimsConfig = this.docbyte ? DOCBYTE_CLAIMS : STANDARD_CLAIMS;
    this.store = new Store();
    this.keys = [newSigningKey()]; // newest first: oidc-provider signs with the first
    this.slowDowns = 0; // device-code polls still to answer slow_down (the admin endpoint sets it)
    this.issuedJwts = new Map(); // jti -> what a JWT access token was issued for (keycloak.mjs)
    this.clients = new Map(clients.map((c) => [c.client_id, c]));
    // A Keycloak realm only has its own users; the generic provider has everybody.
    this.users = users
      .filter((u) => !this.docbyte || u.tenant === name)
      .map((u) => ({ groups: [], ...u, sub: subjectFor(name, u.username) }));
    this.#build();
  }

  // Adds a key and signs with it from now on; the old keys stay in the JWKS so
  // tokens signed before still verify. oidc-provider reads its keys once, so a
  // new Provider takes over; it shares the store and cookie keys, so sessions,
  // grants and refresh tokens carry over.
  rotateKeys() {
    this.keys.unshift(newSigningKey());
    this.#build();
    return this.keyInfo();
  }

  keyInfo() {
    return { kids: this.keys.map((k) => k.kid), signing_kid: this.keys[0].kid };
  }

  publicJwks() {
    return {
      keys: this.keys.map(({ kty, kid, alg, use, n, e }) => ({ kty, kid, alg, use, n, e })),
    };
  }

  // Node http handler: oidc-provider computes its URLs from req.originalUrl
  // minus req.url (the Express mounting convention), so strip the prefix.
  handle(req, res) {
    const rest = req.url.slice(this.path.length);
    req.originalUrl = req.url;
    req.baseUrl = this.path;
    req.url = rest.startsWith('/') ? rest : `/${rest}`;
    return this.handler(req, res);
  }

  authenticate(login, password) {
    const wanted = (login ?? '').trim().toLowerCase();
    const user = this.users.find((u) => u.username.toLowerCase() === wanted || u.email?.toLowerCase() === wanted);
    return user && user.password === password ? user : undefined;
  }

  userBySub(sub) {
    return this.users.find((u) => u.sub === sub);
  }

  // Everything known about a user; oidc-provider (and keycloak.mjs) filter it by scope.
  userClaims(user) {
    const [givenName, ...rest] = (user.name ?? '').split(' ');
    return {
      sub: user.sub,
      preferred_username: user.username,
      name: user.name,
      given_name: givenName || undefined,
      family_name: rest.join(' ') || undefined,
      email: user.email,
      email_verified: user.email ? true : undefined,
      groups: user.groups,
      tenant: this.docbyte ? user.tenant : undefined,
    };
  }

  serviceAccountSub(clientId) {
    return subjectFor(this.name, `service-account-${clientId}`);
  }

  consentRequired(clientId) {
    return this.clients.get(clientId)?.consent_required ?? true;
  }

  // Admin: revoke what a client was granted (optionally only for one user):
  // grants, with their codes and refresh tokens, and the JWT access tokens.
  revoke(clientId, username) {
    const sub = username === undefined ? undefined : this.users.find((u) => u.username === username)?.sub;
    if (username !== undefined && !sub) throw new Error(`issuer ${this.name} has no user ${username}`);
    let grants = 0;
    for (const [grantId, grant] of this.store.all('Grant')) {
      if (grant.clientId === clientId && (sub === undefined || grant.accountId === sub)) {
        this.store.revokeGrant(grantId);
        grants += 1;
      }
    }
    let accessTokens = 0;
    for (const record of this.issuedJwts.values()) {
      if (record.clientId === clientId && (sub === undefined || record.accountId === sub) && !record.revoked) {
        record.revoked = true;
        accessTokens += 1;
      }
    }
    return { revoked_grants: grants, revoked_access_tokens: accessTokens };
  }

  #build() {
    const policy = interactionPolicy.base();
    if (this.docbyte) {
      // oidc-provider asks native clients for consent on every sign-in; Keycloak
      // remembers consent instead, so silent re-authentication works there.
      policy.get('consent').checks.remove('native_client_prompt');
    }

    const provider = new Provider(this.url, {
      adapter: adapterFor(this.store),
      clients: [...this.clients.values()].map(clientMetadata),
      jwks: { keys: this.keys },
      // Keycloak scopes its cookies to the realm path; doing the same keeps two
      // issuers on one host:port from overwriting each other's session cookie.
      cookies: { keys: this.cookieKeys, long: { httpOnly: true, sameSite: 'lax', path: this.path } },
      claims: this.claimsConfig,
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        revocation: { enabled: true },
        deviceFlow: {
          enabled: true,
          userCodeInputSource: async (ctx, form, out, err) => { ctx.body = views.deviceCodePage(form, err); },
          userCodeConfirmSource: async (ctx, form, client, deviceInfo, userCode) => {
            ctx.body = views.deviceConfirmPage(form, client.clientName ?? client.clientId, userCode);
          },
          successSource: async (ctx) => { ctx.body = views.deviceDonePage(); },
        },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: async (ctx, form) => { ctx.body = views.logoutPage(form); },
          postLogoutSuccessSource: async (ctx) => { ctx.body = views.signedOutPage(); },
        },
        resourceIndicators: this.docbyte
          ? {
              enabled: true,
              defaultResource: async (ctx, client, oneOf) => oneOf ?? VAULT_API,
              useGrantedResource: async () => true,
              getResourceServerInfo: async (ctx, resource) => {
                if (resource !== VAULT_API) throw new errors.InvalidTarget();
                return {
                  scope: VAULT_API_SCOPE,
                  audience: 'account', // what Keycloak puts in `aud` of its access tokens
                  accessTokenFormat: 'jwt',
                  jwt: { sign: { alg: 'RS256' } },
                };
              },
            }
          : { enabled: false },
      },
      interactions: { policy, url: (ctx, interaction) => `${this.path}/interaction/${interaction.uid}` },
      findAccount: async (ctx, sub) => {
        const user = this.userBySub(sub);
        return user && { accountId: sub, claims: async () => this.userClaims(user) };
      },
      ...(this.refreshTokens === 'always'
        ? { issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token') }
        : {}),
      // Rotate every time; oidc-provider revokes the whole grant when a used
      // refresh token comes back, which is what tests of reuse rely on.
      rotateRefreshToken: true,
      ...(this.docbyte ? this.#docbyteTokenClaims() : {}),
      clientBasedCORS: (ctx, origin, client) => client.redirectUris.some((uri) => URL.parse(uri)?.origin === origin),
      renderError: async (ctx, out) => {
        ctx.type = 'html';
        ctx.body = views.errorPage(out);
      },
      ttl: {
        AccessToken: this.ttl.access_token,
        ClientCredentials: this.ttl.access_token,
        IdToken: this.ttl.id_token ?? this.ttl.access_token,
        RefreshToken: this.ttl.refresh_token,
        AuthorizationCode: 60,
        DeviceCode: this.ttl.device_code ?? 600,
        Interaction: 3600,
        Session: 10 * 3600,
        Grant: 10 * 3600,
      },
      ...(this.docbyte ? { routes: KEYCLOAK_ROUTES } : {}),
    });

    provider.on('server_error', (ctx, err) => console.error(`[${this.name}] server_error`, err));
    if (this.docbyte) provider.use(keycloakMiddleware(this, provider));
    provider.use(interactions(this, provider));
    provider.use(this.#devicePolling());
    this.provider = provider;
    this.handler = provider.callback();
  }

  // What oidc-provider leaves out of the device flow: the polling `interval`
  // (RFC 8628 §3.2; it sends none, meaning 5 s) when the config names one, and
  // `slow_down` (§3.5), which it never sends: an admin call asks for it.
  #devicePolling() {
    return async (ctx, next) => {
      if (ctx.method === 'POST' && ctx.path === '/token' && this.slowDowns > 0) {
        this.slowDowns -= 1;
        ctx.status = 400;
        ctx.body = { error: 'slow_down', error_description: 'You are polling too quickly' };
        return;
      }
      await next();
      if (ctx.path === '/device/auth' && ctx.status === 200 && this.ttl.device_interval !== undefined) {
        ctx.body = { ...ctx.body, interval: this.ttl.device_interval };
      }
    };
  }

  // Admin: the next `polls` token requests answer slow_down (a test sends only device-code polls then).
  slowDown(polls) {
    this.slowDowns = polls;
    return { slow_down_polls: polls };
  }

  // Admin: every pending device code expires now (the person never entered it).
  expireDeviceCodes() {
    let expired = 0;
    for (const [, code] of this.store.all('DeviceCode')) {
      code.exp = Math.floor(Date.now() / 1000) - 1;
      expired += 1;
    }
    return { expired_device_codes: expired };
  }

  // Claims Keycloak's mappers put into a realm's access tokens.
  #docbyteTokenClaims() {
    return {
      extraTokenClaims: async (ctx, token) => {
        const common = { tenant: this.name, azp: token.clientId, typ: 'Bearer' };
        if (token.kind === 'ClientCredentials') {
          return { ...common, preferred_username: `service-account-${token.clientId}` };
        }
        const user = this.userBySub(token.accountId);
        const claims = claimsForScope(this.claimsConfig, user ? this.userClaims(user) : {}, token.scope);
        delete claims.sub; // oidc-provider sets `sub` itself
        return { ...claims, ...common };
      },
      formats: {
        customizers: {
          // A Keycloak service-account token names the service-account user, not the client.
          jwt: async (ctx, token, jwt) => {
            if (token.kind === 'ClientCredentials') jwt.payload.sub = this.serviceAccountSub(token.clientId);
          },
        },
      },
    };
  }
}
