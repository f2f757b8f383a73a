"""What a person is shown is scrubbed as the log is: no secret the process knows, nothing shaped like a credential."""

import secrets

from connmgr.domain.callback import AuthorizationFailed, Denied
from connmgr.domain.errors import ConfigError, VendorError, clip
from connmgr.logs import redact


def _registered() -> str:
    secret = "apikey-" + secrets.token_hex(16)
    redact(secret)
    return secret


def test_an_error_sentence_shows_no_known_secret_and_no_password_in_a_url():
    key = _registered()
    refused = VendorError("VaultRE", f"the API refused the request (“X-Api-Key {key} is not valid”)", "check it")
    assert key not in refused.sentence and key not in str(refused)
    assert refused.sentence == "VaultRE: the API refused the request (“X-Api-Key [redacted] is not valid”); check it."
    typed = ConfigError("Acme", "the token_url 'https://bob:hunter22@sso.acme.test/t' is not reachable", "fix it")
    assert "hunter22" not in typed.sentence
    assert "https://[redacted]@sso.acme.test/t" in typed.sentence


def test_vendor_text_is_scrubbed_before_it_is_cut():
    key = _registered()
    text = "x" * 190 + key + " and more"  # the cut at 200 characters falls inside the key
    shown = clip(text)
    assert "apikey-" not in shown  # not even its first characters
    assert len(shown) <= 200


def test_the_sign_in_results_quote_the_vendor_scrubbed():
    code = _registered()
    denied = Denied("vcita", f"the code {code} was refused")
    failed = AuthorizationFailed("Acme", "invalid_request", f"unexpected parameter access_token=tok-{code}")
    assert code not in denied.sentence and code not in failed.sentence
    assert "tok-" not in failed.sentence
