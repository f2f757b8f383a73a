"""A hostile token endpoint against `connmgr connect` and `connmgr export`, end to end, in real processes: what it
sends is refused with one sentence, or exported so that bash reads back exactly what was sent, running nothing."""

from __future__ import annotations

import pytest

from tests.support.envreaders import bash_read

SANDBOX_FILES = [".env"]


@pytest.mark.parametrize(
    ("access_token", "token_type"),
    [
        ("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln-_x", "it's`touch${IFS}pwned`"),
        ("$(touch${IFS}pwned)", "Bearer"),
        ("t0k3n", "it's`id>pwned`"),  # today: written in double quotes, where bash runs it
        ("t0k3n", "x\nINJECTED=1"),
        ("a b", "Bearer"),
        ("~root", "Bearer"),
        ("mF_9.B5f-4.1JqM+abc/def~ghi==", "DPoP"),
    ],
)
def test_a_hostile_token_answer_is_refused_or_exported_exactly(
    connmgr, token_endpoint, tmp_path, access_token, token_type
):
    token_endpoint.answer = {"access_token": access_token, "token_type": token_type, "expires_in": 3600}
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    env_file = sandbox / ".env"

    connected = connmgr(
        "connect", "oauth2", "--name", "Acme", "--flow", "client_credentials",
        "--set", "client_id=acme", "--set", f"token_url={token_endpoint.url}",
        env={"CONNMGR_CLIENT_SECRET": "s3cret", "HOME": str(sandbox)},
    )  # fmt: skip
    if connected.code != 0:
        assert connected.err.count("\n") == 1 and "holds spaces, control characters" in connected.err
        assert connmgr("list", "--json").out.strip() == "[]"
        return
    exported = connmgr("export", "Acme", "--env", str(env_file), env={"HOME": str(sandbox)})
    if exported.code != 0:
        assert exported.code == 1
        assert exported.err.count("\n") == 1 and exported.err.startswith("Export: the value of ACME_")
        assert access_token not in exported.err and token_type not in exported.err
        assert not env_file.exists()
    else:
        keys = ["ACME_ACCESS_TOKEN", "ACME_TOKEN_TYPE"]
        assert bash_read(env_file, keys, home=sandbox) == dict(zip(keys, (access_token, token_type), strict=True))
    assert sorted(p.name for p in sandbox.iterdir()) == (SANDBOX_FILES if env_file.exists() else [])
