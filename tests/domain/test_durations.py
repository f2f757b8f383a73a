import pytest

from connmgr.domain.durations import countdown, in_words


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (600, "10 minutes"),
        (60, "1 minute"),
        (90, "90 seconds"),
        (125, "125 seconds"),
        (1, "1 second"),
        (30, "30 seconds"),
        (0.5, "0.5 seconds"),
        (0.05, "0.05 seconds"),
        (7200, "2 hours"),
        (86400, "1 day"),
        (1_000_000, "1000000 seconds"),
    ],
)
def test_a_duration_in_a_sentence_is_exact_in_its_largest_whole_unit(seconds, words):
    assert in_words(seconds) == words


@pytest.mark.parametrize(("seconds", "short", "words"), [(125, "2m 5s", "125 seconds"), (3600, "1h 0m", "1 hour")])
def test_a_countdown_and_a_sentence_agree_on_how_long(seconds, short, words):
    assert (countdown(seconds), in_words(seconds)) == (short, words)
