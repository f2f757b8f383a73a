// An in-memory storage adapter for oidc-provider, one store per issuer.
//
// oidc-provider ships a memory adapter, but it is one module-wide LRU capped at
// 1000 entries: a long test session could silently evict a live session or
// refresh token, and both issuers would share it. This one is unbounded (entries
// only leave when they expire or are destroyed) and lets the admin endpoints list
// the grants of a client. The store outlives a Provider instance, which is what
// lets key rotation swap in a new Provider without signing anybody out.

const now = () => Date.now();

// Models whose entries hang off a grant and go when the grant is revoked.
const GRANTABLE = new Set([
  'AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode',
  'BackchannelAuthenticationRequest', 'PreAuthorizedCode',
]);

export class Store {
  entries = new Map(); // "Model:id" -> { payload, expiresAt }
  byGrant = new Map(); // grantId -> Set of "Model:id"
  sessionByUid = new Map(); // session uid -> session id
  byUserCode = new Map(); // device user code -> "DeviceCode" id

  get(key) {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now()) {
      this.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  delete(key) {
    const entry = this.entries.get(key);
    this.entries.delete(key);
    const grantId = entry?.payload.grantId;
    if (grantId) this.byGrant.get(grantId)?.delete(key);
  }

  // Every unexpired payload of one model, e.g. all Grants (for the admin endpoint).
  *all(model) {
    for (const key of [...this.entries.keys()]) {
      if (!key.startsWith(`${model}:`)) continue;
      const payload = this.get(key);
      if (payload) yield [key.slice(model.length + 1), payload];
    }
  }

  revokeGrant(grantId) {
    for (const key of this.byGrant.get(grantId) ?? []) this.entries.delete(key);
    this.byGrant.delete(grantId);
    this.delete(`Grant:${grantId}`);
  }
}

// oidc-provider instantiates the adapter class once per model name.
export function adapterFor(store) {
  return class MemoryAdapter {
    constructor(model) {
      this.model = model;
    }

    key(id) {
      return `${this.model}:${id}`;
    }

    async upsert(id, payload, expiresIn) {
      const key = this.key(id);
      const expiresAt = typeof expiresIn === 'number' ? now() + expiresIn * 1000 : Infinity;
      store.entries.set(key, { payload, expiresAt });
      if (this.model === 'Session') store.sessionByUid.set(payload.uid, id);
      if (payload.userCode) store.byUserCode.set(payload.userCode, id);
      if (GRANTABLE.has(this.model) && payload.grantId) {
        if (!store.byGrant.has(payload.grantId)) store.byGrant.set(payload.grantId, new Set());
        store.byGrant.get(payload.grantId).add(key);
      }
    }

    async find(id) {
      return store.get(this.key(id));
    }

    async findByUid(uid) {
      const id = store.sessionByUid.get(uid);
      return id === undefined ? undefined : this.find(id);
    }

    async findByUserCode(userCode) {
      const id = store.byUserCode.get(userCode);
      return id === undefined ? undefined : this.find(id);
    }

    async consume(id) {
      const payload = store.get(this.key(id));
      if (payload) payload.consumed = Math.floor(now() / 1000);
    }

    async destroy(id) {
      store.delete(this.key(id));
    }

    async revokeByGrantId(grantId) {
      for (const key of store.byGrant.get(grantId) ?? []) store.entries.delete(key);
      store.byGrant.delete(grantId);
    }
  };
}
