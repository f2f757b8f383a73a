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
from connmgr.gui.signin.navigation import Navigation, Verdict, is_fragment_redirect, judge_navigation

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
        "http://127.0.0.1:8765/other",  # the redirect host, another path: not the redirect
        "http://127.0.0.1:9999/callback",
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
    ("address", "caught"),
    [
        (f"{REDIRECT}#code=abc&state=S", True),
        (REDIRECT, False),  # a history change to the bare path: the code is still to come
        (f"{REDIRECT}?step=2", False),
        ("http://127.0.0.1:8765/start#code=abc", False),
    ],
)
def test_a_fragment_at_the_redirect_address(address, caught):
    assert is_fragment_redirect(address, REDIRECT) is caught


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
