import pytest
from hypothesis import given
from hypothesis import strategies as st

from connmgr.domain.dialect import Flow
from connmgr.domain.errors import ConfigError
from connmgr.domain.settings_file import MAX_SETTINGS_BYTES, read_settings, settings_text
from connmgr.templates import load_catalog

CATALOG = load_catalog().catalog
DOCBYTE = CATALOG.get("docbyte")


@given(st.dictionaries(st.sampled_from(["client_id", "account", "environment", "tenant"]), st.text()))
def test_any_values_read_back_as_written(values):
    text = settings_text(DOCBYTE, Flow.CLIENT_CREDENTIALS, values)
    settings = read_settings(text.encode(), "acme.toml", CATALOG)
    assert (settings.template_id, settings.flow, dict(settings.values)) == ("docbyte", Flow.CLIENT_CREDENTIALS, values)


def test_secrets_and_passwords_are_never_written():
    values = {"client_id": "acme", "client_secret": "s3cret-value", "account": "acme"}
    assert "s3cret" not in settings_text(DOCBYTE, Flow.CLIENT_CREDENTIALS, values)
    ioffice = CATALOG.get("ioffice")
    assert "hunter2" not in settings_text(ioffice, Flow.PASSWORD, {"site": "https://a.example", "password": "hunter2"})


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('template = "docbyte"\n[values]\nclient_secret = "s3cret-value"\n', "values.client_secret is a secret"),
        ('template = "nope"\n', "its template 'nope' is not known here"),
        ('template = "docbyte"\nflow = "password"\n', "its flow 'password' is not one the Docbyte Vault template"),
        ('template = "docbyte"\n[values]\ntoken_ur = "https://evil.example"\n', "values.token_ur is not a field"),
        ('template = "docbyte"\n[values]\nclient_id = 5\n', "values.client_id must be a string"),
        ('template = "docbyte"\nextra = 1\n', "it has unknown key 'extra'"),
        ("template = [unclosed\n", "it is not valid TOML"),
        ("a = " + "[" * 200 + "]" * 200 + "\n", "nests tables deeper"),
    ],
)
def test_a_bad_file_is_refused_by_key_in_one_sentence_without_the_secret(text, said):
    with pytest.raises(ConfigError) as refused:
        read_settings(text.encode(), "acme.toml", CATALOG)
    sentence = refused.value.sentence
    assert sentence.startswith("Settings file acme.toml: ") and said in sentence
    assert "s3cret" not in sentence


def test_a_huge_file_is_refused_before_it_is_parsed():
    with pytest.raises(ConfigError, match="larger than 64 KiB"):
        read_settings(b"#" * (MAX_SETTINGS_BYTES + 1), "big.toml", CATALOG)
