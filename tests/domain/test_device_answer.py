"""A device authorization answer comes from outside: each part a person sees, opens or waits on is checked."""

import pytest

from connmgr.domain.device import read_device_authorization
from connmgr.domain.errors import ProtocolError

GOOD = {
    "device_code": "dc-123",
    "user_code": "WDJB-MJHT",
    "verification_uri": "https://example.com/device",
    "verification_uri_complete": "https://example.com/device?user_code=WDJB-MJHT",
    "expires_in": 1800,
    "interval": 5,
}


def test_a_good_answer_is_read_as_it_is():
    grant = read_device_authorization(GOOD, "Acme")
    assert (grant.user_code, grant.verification_uri_complete, grant.expires_in, grant.interval) == (
        "WDJB-MJHT",
        GOOD["verification_uri_complete"],
        1800,
        5,
    )
    assert "dc-123" not in repr(grant)


def test_without_interval_or_complete_page_the_rfc_s_defaults_hold():
    answer = {k: v for k, v in GOOD.items() if k not in ("interval", "verification_uri_complete")}
    grant = read_device_authorization(answer, "Acme")
    assert grant.interval == 5
    assert grant.verification_uri_complete == GOOD["verification_uri"]


def test_a_zero_interval_polls_once_a_second_and_a_day_long_code_is_given_up_after_an_hour():
    grant = read_device_authorization(GOOD | {"interval": 0, "expires_in": 86400}, "Acme")
    assert (grant.interval, grant.expires_in) == (1, 3600)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"device_code": ""}, "holds no device code"),
        ({"user_code": "AB\x1b[2JCD"}, "holds no user code a person could type"),
        ({"user_code": "X" * 65}, "holds no user code a person could type"),
        ({"verification_uri": "javascript:alert(1)"}, "names no http(s) page"),
        ({"verification_uri": "file:///etc/passwd"}, "names no http(s) page"),
        ({"verification_uri": "https://user:pw@example.com/device"}, "names no http(s) page"),
        ({"expires_in": "1800"}, "says no positive expires_in"),
        ({"expires_in": 0}, "says no positive expires_in"),
        ({"interval": True}, "says an interval that is not a number of seconds"),
    ],
)
def test_a_hostile_answer_is_refused_in_one_sentence(change, said):
    with pytest.raises(ProtocolError) as refused:
        read_device_authorization(GOOD | change, "Acme")
    assert said in refused.value.sentence
    assert refused.value.sentence.startswith("Acme: the device authorization answer ")


def test_a_hostile_complete_page_falls_back_to_the_plain_one():
    grant = read_device_authorization(GOOD | {"verification_uri_complete": "javascript:x"}, "Acme")
    assert grant.verification_uri_complete == GOOD["verification_uri"]


def test_an_answer_that_is_not_an_object_is_refused():
    with pytest.raises(ProtocolError, match="is not a JSON object"):
        read_device_authorization(["device_code"], "Acme")
