// Which claims each scope releases, for both kinds of issuer.

// Keycloak maps `tenant` into every token of the realm, so it rides on
// `openid`; the `tenant` and `groups` scopes exist because Docbyte's documented
// token response lists them.
export const STANDARD_CLAIMS = {
  acr: null,
  sid: null,
  auth_time: null,
  iss: null,
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username'],
};

export const DOCBYTE_CLAIMS = {
  ...STANDARD_CLAIMS,
  openid: ['sub', 'tenant'],
  tenant: ['tenant'],
  groups: ['groups'],
};

// The claims of `available` that the scopes in `scope` release.
export function claimsForScope(claimsConfig, available, scope) {
  const out = {};
  for (const name of (scope ?? '').split(' ')) {
    for (const claim of Array.isArray(claimsConfig[name]) ? claimsConfig[name] : []) {
      if (available[claim] !== undefined) out[claim] = available[claim];
    }
  }
  return out;
}
