"""The redaction every log line and every sentence passes: known secrets, and credentials by their shape."""

import secrets
import tracemalloc

import pytest

from connmgr.logs import MASK, redact, scrub

# httpcore's DEBUG line for the headers of an answer, as `-v` prints it.
HTTPCORE_HEADERS = (
    "receive_response_headers.complete return_value=(b'HTTP/1.1', 200, b'OK', [(b'Content-Type', "
    "b'application/json'), {header}, (b'Content-Length', b'51'), (b'X-Request-Id', b'req-42')])"
)


def _random() -> str:
    return "s3cr3t-" + secrets.token_urlsafe(12)


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "Proxy-Authorization",
        "Cookie",
        "Set-Cookie",
        "x-access-token",
        "X-Refresh-Token",
        "X-Api-Key",
        "x-client-secret",
        "X-Auth-Password",
        "x-session-id",
    ],
)
def test_a_credential_header_in_httpcores_byte_tuples_is_masked(name):
    value = f"Bearer {_random()}; Path=/; HttpOnly"
    line = scrub(HTTPCORE_HEADERS.format(header=f"(b'{name}', b'{value}')"))
    assert value.split()[1].rstrip(";") not in line
    assert f"(b'{name}', b'{MASK}')" in line
    # What -v is for stays readable.
    assert "(b'Content-Type', b'application/json')" in line and "(b'X-Request-Id', b'req-42')" in line
    assert "200, b'OK'" in line and "(b'Content-Length', b'51')" in line


def test_a_value_quoted_with_escapes_is_masked_to_its_closing_quote():
    line = scrub(HTTPCORE_HEADERS.format(header="(b'Set-Cookie', b\"sid=it's-\\\\x00-mine; Path=/\")"))
    assert "mine" not in line and "it's" not in line
    assert "(b'Content-Length', b'51')" in line


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("Cookie: sid=abc123; theme=dark-and-secret", ["abc123", "dark-and-secret"]),
        ("Set-Cookie: AWSALB=lb-cookie-value; Path=/", ["lb-cookie-value"]),
        ("{'cookie': 'a=first; b=second', 'authorization': 'Bearer tok123'}", ["first", "second", "tok123"]),
        ("Authorization: Basic Y2xpZW50OnNlY3JldA==", ["Y2xpZW50OnNlY3JldA"]),
        ("x-access-token: iotoken-1", ["iotoken-1"]),
        ('{"refresh_token": "rt-1", "expires_in": 3600}', ["rt-1"]),
        ("GET https://h.example/me?access_token=at-1&page=2", ["at-1"]),
    ],
)
def test_credentials_in_the_forms_a_log_line_holds_them(text, hidden):
    line = scrub(text)
    assert [h for h in hidden if h in line] == []
    assert MASK in line


@pytest.mark.parametrize(
    "url",
    [
        "https://alice:pa55word@vendor.example/token",
        "http://alice:pa55word@127.0.0.1:8080/token?x=1",
        "https://pa55word@git.example/repo",  # a token as the user name
    ],
)
def test_the_user_part_of_a_url_is_masked(url):
    line = scrub(f'HTTP Request: POST {url} "HTTP/1.1 401 Unauthorized"')
    assert "pa55word" not in line
    assert f"[redacted]@{url.split('@')[1].split('/')[0]}" in line
    assert '"HTTP/1.1 401 Unauthorized"' in line


def test_what_is_not_a_credential_stays_readable():
    for text in (
        'HTTP Request: POST http://127.0.0.1:4000/oauth/token "HTTP/1.1 200 OK"',
        "the token endpoint answered HTTP 200, 171 bytes",
        "github-token: this connection holds no token; sign in again.",  # a connection named so
        "www-authenticate: Bearer error=\"invalid_token\"",
        "write to alice@example.com or see https://vendor.example/a@b",
        "status_code=200",
    ):
        assert scrub(text) == text


def test_a_registered_secret_is_masked_anywhere_but_a_short_value_is_not_registered():
    token = _random()
    redact(token, "true")
    assert scrub(f"vendor said: {token}!") == f"vendor said: {MASK}!"
    assert scrub("it is true") == "it is true"


def test_a_secret_holding_another_is_masked_whole_and_both_are_masked_wherever_they_start():
    short = _random()
    long = short + "-and-more"
    redact(short, long)
    assert scrub(f"a={long} b={short} c=x{short}y") == f"a={MASK} b={MASK} c=x{MASK}y"


def test_secrets_registered_one_by_one_cost_memory_in_proportion_to_themselves():
    """A window checking a thousand connections registers a thousand tokens, and its errors are scrubbed between
    them: what scrubbing keeps must grow with the secrets, not with their square (a regular expression rebuilt
    per secret, each kept by `re`'s cache, once grew the window by a gigabyte)."""
    tokens = [f"{i:04}-" + "t" * 500 for i in range(200)]
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for token in tokens:
            redact(token)
            assert scrub(f"the vendor refused {token}") == f"the vendor refused {MASK}"
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 4 * sum(map(len, tokens)), f"{grown} bytes kept for {sum(map(len, tokens))} bytes of secrets"


@pytest.mark.parametrize("order", ["earlier first", "later first"])
def test_secrets_that_overlap_are_masked_over_both_so_neither_shows_a_part(order):
    """A secret starting inside another (one's tail is the other's head) is masked to its end, not shown from where
    the first one ended."""
    earlier = _random()
    later = earlier[-8:] + secrets.token_urlsafe(16)
    redact(*([earlier, later] if order == "earlier first" else [later, earlier]))
    line = scrub(f"got {earlier}{later[8:]} and {later}, {earlier}")
    assert line == f"got {MASK} and {MASK}, {MASK}"
    assert later[8:] not in line


def test_a_short_secret_before_a_longer_one_it_overlaps_hides_neither_part():
    longer = _random() + secrets.token_urlsafe(24)
    shorter = secrets.token_urlsafe(6) + longer[:7]
    redact(shorter, longer)
    line = scrub(f"[{shorter[:-7]}{longer}]")
    assert line == f"[{MASK}]"
