"""A team workspace's end-to-end sealing: what its database stores is sealed on members' devices, so the database
(and whoever administers it) never sees a token, a client secret or the workspace key.

- Each device has an X25519 key pair (`device`); its private half lives in the OS keyring beside the home's data
  key, its public half goes into a join request, and both sides compare its `fingerprint` before an admin approves.
- The workspace key is wrapped for each member's public key (`wrapping`: X25519, HKDF-SHA256, AES-GCM, as HPKE's
  base mode does), one blob per member and key generation.
- A shared connection's secrets are sealed under the workspace key (`codec`), bound like the local store's to the
  connection's id and the settings that decide where they are sent (`sealing.Binding`).
- Removing a member rotates the key (`rotation`): a new generation, wrapped for those who remain, every secret
  sealed again under it.

Pure functions and small objects over bytes: no database, no Qt. The keyring is reached only through `device`.
"""
