// The sign-in and consent steps of an authorization request (oidc-provider's
// "interactions"), as Koa middleware in front of the provider:
//
//   GET  <issuer>/interaction/<uid>          the login or consent page
//   POST <issuer>/interaction/<uid>/login    username + password
//   POST <issuer>/interaction/<uid>/consent  decision=allow|deny
//
// oidc-provider keeps the interaction state in its store, bound to a cookie;
// each step hands its result back and redirects to the authorization
// endpoint, which decides what comes next.

import * as views from './views.mjs';

const ROUTE = /^\/interaction\/([\w-]+)(?:\/(login|consent))?$/;

async function readForm(ctx) {
  const chunks = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += chunk.length;
    if (size > 64 * 1024) ctx.throw(413, 'form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// Grant what the consent prompt found missing (scopes, claims, resource scopes).
async function grantConsent(provider, { prompt: { details }, grantId, session, params }) {
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return { consent: { grantId: await grant.save() } };
}

export function interactions(issuer, provider) {
  return async function interaction(ctx, next) {
    const match = ROUTE.exec(ctx.path);
    if (!match) return next();
    const [, uid, step] = match;
    if ((step ? 'POST' : 'GET') !== ctx.method) ctx.throw(405);

    ctx.set('Cache-Control', 'no-store');
    let details;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch (err) {
      // No interaction cookie, or it expired: the person has to start again.
      ctx.status = err.statusCode ?? 400;
      ctx.type = 'html';
      ctx.body = views.errorPage({ error: err.error ?? 'invalid_request', error_description: err.error_description });
      return undefined;
    }
    if (details.uid !== uid) ctx.throw(400, 'interaction mismatch');

    const prompt = details.prompt.name;
    const client = await provider.Client.find(details.params.client_id);
    const page = {
      realm: issuer.name,
      client: client?.clientName ?? details.params.client_id,
      action: `${issuer.path}/interaction/${uid}/${prompt}`,
    };
    const finish = async (result, merge) => {
      const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
      ctx.status = 303;
      ctx.redirect(returnTo);
    };

    if (prompt !== 'login' && prompt !== 'consent') ctx.throw(501, `prompt ${prompt} is not supported`);
    if (step && step !== prompt) ctx.throw(400, `expected the ${prompt} step`);

    if (!step && prompt === 'login') {
      ctx.type = 'html';
      ctx.body = views.loginPage({ ...page, username: details.params.login_hint });
    } else if (step === 'login') {
      const form = await readForm(ctx);
      const user = issuer.authenticate(form.get('username'), form.get('password'));
      if (!user) {
        ctx.type = 'html';
        ctx.body = views.loginPage({ ...page, username: form.get('username'), error: 'Invalid username or password.' });
        return undefined;
      }
      await finish({ login: { accountId: user.sub } }, false);
    } else if (!step && !issuer.consentRequired(details.params.client_id)) {
      // Like a Keycloak client with "Consent required" off: consent is implied.
      await finish(await grantConsent(provider, details), true);
    } else if (!step) {
      ctx.type = 'html';
      ctx.body = views.consentPage({
        ...page,
        user: issuer.userBySub(details.session?.accountId)?.username ?? '',
        scopes: (details.params.scope ?? '').split(' ').filter(Boolean),
      });
    } else {
      const form = await readForm(ctx);
      if (form.get('decision') === 'allow') {
        await finish(await grantConsent(provider, details), true);
      } else {
        await finish({ error: 'access_denied', error_description: 'End-User denied the authorization request' }, false);
      }
    }
    return undefined;
  };
}
