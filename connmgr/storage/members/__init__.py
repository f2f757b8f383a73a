"""A team workspace's end-to-end sealing: what its database stores is sealed on members' devices, so the database
(and whoever administers it) never sees a token, a client secret or the workspace key.

- Each device has an X25519 key pair (`keypair`), its private half in the OS keyring beside the home's data key
  (`device`). Its public half goes into a join request; both sides compare its fingerprint (`publickeys`) before
  an admin approves.
- The workspace key (`workspacekey`) is wrapped for each member's public key by an admin's device (`wrapping`:
  X25519, HKDF-SHA256, AES-GCM, as HPKE's authenticated mode does), one blob per member and key generation.
- A shared connection's secrets are sealed under the workspace key (`codec`), bound like the local store's to the
  connection's id and the settings that decide where they are sent (`sealing.Binding`).
- Removing a member rotates the key (`rotation`): a new generation, wrapped for those who remain, every secret
  sealed again under it.

Pure functions and small objects over bytes: no database, no Qt. Only `device` reaches the keyring.
"""
