"""The sign-in window's decisions, without Qt: where a page may go, block pages, the sentences, lazy imports."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connmgr.gui.signin import sentences
from connmgr.gui.signin.block_page import is_embedded_browser_block
from connmgr.gui.signin.error_page import is_error_status, page_words
from connmgr.gui.signin.navigation import Navigation, Verdict, judge_navigation, may_request

REDIRECT = "http://127.0.0.1:8765/callback"


@pytest.mark.parametrize(
    "url",
    [
        f"{REDIRECT}?code=abc&state=S",
        f"{REDIRECT}#code=abc&appCode=X",
        f"{REDIRECT}?reason=User%20denied%20request",
        "http://127.0.0.1:8765/callback",
    ],
)
def test_the_redirect_is_caught_in_the_main_frame_and_refused_in_a_frame(url):
    assert judge_navigation(url, REDIRECT, main_frame=True) == Navigation(Verdict.CATCH)
    assert judge_navigation(url, REDIRECT, main_frame=False).verdict is Verdict.REFUSE


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789=&%-._~", max_size=40), st.booleans())
def test_the_redirect_host_is_never_loaded_whatever_it_carries(suffix, main_frame):
    url = f"{REDIRECT}?{suffix}#{suffix}"
    assert judge_navigation(url, REDIRECT, main_frame=main_frame).verdict is not Verdict.LOAD


@pytest.mark.parametrize(
    "url",
    [
        "https://login.vendor.example/authorize?client_id=x",
        "http://127.0.0.1:9999/callback",
        "https://127.0.0.1:8765/callback",
        "HTTPS://Login.Vendor.Example/",
    ],
)
def test_web_pages_load(url):
    assert judge_navigation(url, REDIRECT, main_frame=True) == Navigation(Verdict.LOAD)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "a file: address"),
        ("javascript:alert(1)", "a javascript: address"),
        ("data:text/html,<h1>hi</h1>", "a data: address"),
        ("ftp://files.example/x", "a ftp: address"),
        ("about:blank", "an about: address"),
        ("//no-scheme.example/", "an address without a scheme"),
    ],
)
def test_other_schemes_are_refused_in_the_main_frame(url, reason):
    assert judge_navigation(url, REDIRECT, main_frame=True) == Navigation(Verdict.REFUSE, reason)


@pytest.mark.parametrize("url", ["about:blank", "data:text/html,x", "https://captcha.example/frame"])
def test_frames_load_what_pages_embed(url):
    assert judge_navigation(url, REDIRECT, main_frame=False).verdict is Verdict.LOAD


@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("http://127.0.0.1:8765/other?code=abc", "http://127.0.0.1:8765/other"),
        ("http://127.0.0.1:8765/callback/", "http://127.0.0.1:8765/callback/"),
        ("http://127.0.0.1:8765/", "http://127.0.0.1:8765/"),
        ("http://0x7f.1:8765/start#code=abc", "http://127.0.0.1:8765/start"),
    ],
)
def test_a_near_miss_on_the_redirect_address_is_refused_and_named(url, where):
    assert judge_navigation(url, REDIRECT, main_frame=True) == Navigation(Verdict.MISSED, where)
    assert judge_navigation(url, REDIRECT, main_frame=False).verdict is Verdict.REFUSE


def test_a_redirect_uri_with_a_registered_query_is_missed_without_it():
    registered = "https://app.example.com/cb?tenant=acme"
    caught = judge_navigation(f"{registered}&code=abc", registered, main_frame=True)
    missed = judge_navigation("https://app.example.com/cb?tenant=evil&code=abc", registered, main_frame=True)
    assert (caught.verdict, missed) == (Verdict.CATCH, Navigation(Verdict.MISSED, "https://app.example.com/cb"))


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8765/callback?code=abc", False),
        ("http://127.0.0.1:8765/favicon.ico", False),
        ("http://127.0.0.1:8765/", False),
        ("http://0x7F000001:8765/pixel.gif", False),
        ("ws://127.0.0.1:8765/socket", False),  # a WebSocket handshake is an HTTP request to that server
        ("wss://127.0.0.1:8765/socket", True),
        ("https://127.0.0.1:8765/callback", True),  # TLS to an HTTP server: the request is never readable
        ("http://127.0.0.1:8766/callback", True),
        ("https://login.vendor.example/app.js", True),
        ("data:image/png;base64,AAAA", True),
    ],
)
def test_requests_to_the_redirect_origin_are_not_allowed(url, allowed):
    assert may_request(url, REDIRECT) is allowed


@pytest.mark.parametrize(
    "text",
    [
        "Couldn't sign you in\nThis browser or app may not be secure. Learn more",
        "403. That’s an error.\n\nError: disallowed_useragent",
        "THIS BROWSER OR APP\n  MAY NOT BE SECURE",
    ],
)
def test_block_pages_are_recognised(text):
    assert is_embedded_browser_block(text)


@pytest.mark.parametrize("text", ["", "Sign in to vcita\nUsername Password Sign in", "This app is secure"])
def test_ordinary_pages_are_not_block_pages(text):
    assert not is_embedded_browser_block(text)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(600, "10 minutes"), (60, "1 minute"), (90, "90 seconds"), (1, "1 second"), (0.5, "0.5 seconds")],
)
def test_the_timeout_sentence(seconds, words):
    expected = f"VaultRE: the sign-in page did not finish within {words}; try again."
    assert sentences.timed_out("VaultRE", seconds) == expected


def test_network_errors_read_as_words():
    sentence = sentences.page_unreachable("iOFFICE", "acme.iofficeconnect.com", "net::ERR_NAME_NOT_RESOLVED")
    assert "could not be loaded (name not resolved);" in sentence


def test_the_near_miss_sentence_says_to_check_the_redirect_uri():
    sentence = sentences.redirect_missed("VaultRE", "https://app.example.com/other", "https://app.example.com/cb")
    assert sentence == (
        "VaultRE: the sign-in went to https://app.example.com/other instead of the Redirect URI "
        "https://app.example.com/cb and was stopped before anything was sent; check that the Redirect URI is the "
        "one registered with VaultRE."
    )


def test_vendor_text_in_a_sentence_is_clipped():
    sentence = sentences.certificate_refused("Acme", "login.acme.example", "x\n" * 500)
    assert len(sentence) < 400 and "\n" not in sentence


def test_the_main_window_starts_without_the_web_engine():
    # The rules and connmgr.gui import no QtWebEngine: it is loaded when a sign-in window opens.
    script = (
        "import sys, connmgr.gui, connmgr.gui.signin.navigation, connmgr.gui.signin.block_page, "
        "connmgr.gui.signin.sentences; print(sorted(m for m in sys.modules if m.startswith('PySide6')))"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


AUTHORIZE = "https://login.acme.example/authorize?client_id=app&state=St4te-xyz&nonce=N0nce&code_challenge=Ch4ll"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Error - vcita\nSomething went wrong\n\nUnknown client_id.", "Something went wrong. Unknown client_id."),
        ("Bad Request\n", "Bad Request."),  # no text: the title
        ("t\n  Request St4te-xyz (nonce N0nce) refused!  ", "Request … (nonce …) refused!"),  # the sign-in's own
        ("t\n" + "word " * 100, ("word " * 40)[:199] + "…"),
    ],
)
def test_an_error_page_is_quoted_in_one_bounded_line_without_the_sign_ins_own_values(text, said):
    assert page_words(text, AUTHORIZE) == said


@pytest.mark.parametrize(("status", "error"), [(200, False), (302, False), (400, True), (404, True), (499, True)])
def test_only_a_4xx_answer_is_an_error_page(status, error):
    assert is_error_status(status) is error  # a 5xx is the vendor's outage, not the settings


@given(st.text(), st.text())
def test_page_words_never_return_more_than_one_line(text, url):
    words = page_words(text, url)
    assert "\n" not in words and len(words) <= 200
