// What makes a Docbyte realm behave like the Keycloak behind Docbyte Vault
// where oidc-provider, by design, does something else.

import { createLocalJWKSet, jwtVerify } from 'jose';

import { claimsForScope } from './claims.mjs';

export const KEYCLOAK_ROUTES = {
  authorization: '/protocol/openid-connect/auth',
  token: '/protocol/openid-connect/token',
  userinfo: '/protocol/openid-connect/userinfo',
  jwks: '/protocol/openid-connect/certs',
  revocation: '/protocol/openid-connect/revoke',
  end_session: '/protocol/openid-connect/logout',
  introspection: '/protocol/openid-connect/token/introspect',
  pushed_authorization_request: '/protocol/openid-connect/ext/par/request',
};

const epoch = () => Math.floor(Date.now() / 1000);

// Koa middleware put in front of the realm's oidc-provider.
//
// Userinfo: Keycloak answers its userinfo endpoint for any live access token of
// the realm, a user's or a service account's (client credentials). oidc-provider
// answers userinfo only for opaque tokens without an audience that it stored
// itself; the JWT access tokens a realm issues (Docbyte's API needs JWTs with a
// `tenant` claim) are neither stored nor audience-free, so oidc-provider would
// reject every one of them. So for a bearer that verifies as one of this realm's
// JWT access tokens (signature with the realm's own keys, issuer, expiry) we
// answer as Keycloak would, and still check what Keycloak checks: that the
// token was not revoked and, for a user, that the sign-in (grant) is still
// there. Anything else goes on to oidc-provider, which rejects it.
//
// Token responses: Keycloak adds the non-standard `refresh_expires_in`.
// Revocation: Keycloak can revoke a JWT access token; oidc-provider answers 200
// but cannot find it, so we remember it as revoked for userinfo.
export function keycloakMiddleware(issuer, provider) {
  const remember = (token) => {
    if (issuer.issuedJwts.size > 1000) {
      for (const [jti, record] of issuer.issuedJwts) if (record.exp < epoch() - 60) issuer.issuedJwts.delete(jti);
    }
    issuer.issuedJwts.set(token.jti, {
      kind: token.kind,
      clientId: token.clientId,
      accountId: token.accountId,
      grantId: token.grantId,
      exp: epoch() + token.expiration,
      revoked: false,
    });
  };
  // "issued" (not "saved") is what oidc-provider emits for tokens it does not store.
  provider.on('access_token.issued', remember);
  provider.on('client_credentials.issued', remember);

  async function verify(token) {
    try {
      const jwks = createLocalJWKSet(issuer.publicJwks());
      const { payload } = await jwtVerify(token, jwks, { issuer: issuer.url, typ: 'at+jwt', algorithms: ['RS256'] });
      return { payload };
    } catch (err) {
      // jose checks expiry only after the signature, so this one is ours.
      return err.code === 'ERR_JWT_EXPIRED' ? { expired: true } : undefined;
    }
  }

  function deny(ctx, description) {
    ctx.status = 401;
    ctx.set('WWW-Authenticate', `Bearer realm="${issuer.name}", error="invalid_token", error_description="${description}"`);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { error: 'invalid_token', error_description: description };
  }

  // Returns true when it answered the request.
  async function userinfo(ctx) {
    const bearer = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'))?.[1];
    const verified = bearer && (await verify(bearer));
    if (!verified) return false;
    if (verified.expired) {
      deny(ctx, 'Token verification failed');
      return true;
    }
    const { payload } = verified;
    const record = issuer.issuedJwts.get(payload.jti);
    if (!record || record.revoked || !payload.tenant) {
      deny(ctx, 'Token is not active');
      return true;
    }
    if (record.kind === 'ClientCredentials') {
      if (!(await provider.Client.find(payload.client_id))) {
        deny(ctx, 'Client not found');
        return true;
      }
      ctx.body = {
        sub: payload.sub,
        email_verified: false,
        preferred_username: `service-account-${payload.client_id}`,
        tenant: payload.tenant,
      };
    } else {
      const user = issuer.userBySub(payload.sub);
      const grant = record.grantId && (await provider.Grant.find(record.grantId));
      if (!user || !grant) {
        deny(ctx, 'User session not found');
        return true;
      }
      const claims = claimsForScope(issuer.claimsConfig, issuer.userClaims(user), payload.scope);
      ctx.body = { ...claims, sub: user.sub, tenant: user.tenant };
    }
    ctx.set('Cache-Control', 'no-store');
    return true;
  }

  return async function keycloak(ctx, next) {
    if (ctx.path === KEYCLOAK_ROUTES.userinfo && ['GET', 'POST'].includes(ctx.method) && (await userinfo(ctx))) {
      return;
    }

    await next();

    // ctx.oidc only exists when one of oidc-provider's routes handled the request.
    const route = ctx.oidc?.route;
    if (route === 'token' && ctx.status === 200 && ctx.body?.refresh_token) {
      ctx.body.refresh_expires_in = ctx.oidc.entities.RefreshToken.remainingTTL;
    } else if (route === 'revocation' && ctx.status === 200 && ctx.oidc.params?.token) {
      const verified = await verify(ctx.oidc.params.token);
      const record = verified?.payload && issuer.issuedJwts.get(verified.payload.jti);
      if (record && record.clientId === ctx.oidc.client?.clientId) record.revoked = true;
    }
  };
}
