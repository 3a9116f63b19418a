from typing import Any

from migrate.scrub import is_secret_name, scrub


def test_scrub_replaces_credentials_with_references() -> None:
    config: dict[str, Any] = {
        "job_name": "billing",
        "basic_auth": {"username": "prom", "password": "hunter2"},
        "authorization": {"type": "Bearer", "credentials": "tok-123"},
        "bearer_token": "abc",
        "oauth2": {"client_id": "id", "client_secret": "shh"},
        "static_configs": [{"targets": ["https://u:p@billing:9100"]}],
        "headers": {"Authorization": "Bearer xyz", "X-Trace": "1"},
    }
    out = scrub(config)
    text = repr(out)
    for leaked in ("hunter2", "tok-123", "abc'", "shh", "u:p@", "xyz"):
        assert leaked not in text
    assert out["basic_auth"] == {"username": "prom", "password": "{{secret:basic_auth.password}}"}
    assert out["authorization"]["credentials"] == "{{secret:authorization.credentials}}"
    assert out["static_configs"][0]["targets"] == ["https://billing:9100"]
    assert out["headers"]["X-Trace"] == "1"
    assert config["basic_auth"]["password"] == "hunter2", "the input is not modified"


def test_existing_references_keep_their_path() -> None:
    ref = "{{secret:prometheus.scrape_configs.node.basic_auth.password}}"
    assert scrub({"basic_auth": {"password": ref}}) == {"basic_auth": {"password": ref}}
    assert scrub(scrub({"token": "t0k"})) == {"token": "{{secret:token}}"}, "scrubbing twice changes nothing"


def test_secret_named_url_parameters_and_header_shapes() -> None:
    config = {
        "scrape_url": "https://api:9100/metrics?module=http&access_token=abc123&auth=zz9&sig=ff00",
        "http_headers": {"X-Api-Key": {"values": ["k-777"]}, "Cookie": ["s=1f2e"], "X-Trace": {"values": ["on"]}},
        "authorization": {"type": "Bearer", "credentials_file": "/etc/prom/token"},
        "oauth2": {"client_id": "cid", "client_secret": "cs-555", "token_url": "https://idp/token"},
    }
    out = scrub(config)
    text = repr(out)
    for leaked in ("abc123", "zz9", "ff00", "k-777", "s=1f2e", "cs-555"):
        assert leaked not in text, leaked
    assert "module=http" in out["scrape_url"], "ordinary parameters stay"
    assert out["http_headers"]["X-Trace"] == {"values": ["on"]}, "ordinary headers stay"
    # places and kinds are not secrets: bridge mode needs them
    assert out["authorization"] == {"type": "Bearer", "credentials_file": "/etc/prom/token"}
    assert out["oauth2"]["token_url"] == "https://idp/token"
    assert out["oauth2"]["client_id"] == "cid"


def test_is_secret_name() -> None:
    for name in ("password", "client_secret", "access_token", "X-Api-Key", "Authorization", "auth", "sig", "key"):
        assert is_secret_name(name), name
    for name in ("token_url", "bearer_token_file", "credentials_file", "auth_type", "client_id", "author", "module"):
        assert not is_secret_name(name), name


def test_name_value_pairs_are_judged_by_the_name() -> None:
    """NerdGraph's tags `{key, values}` and properties `{key, value, displayValue}`: the word `key` is not a
    secret, the pair's name decides."""
    out = scrub(
        {
            "tags": [{"key": "team", "values": ["checkout"]}],
            "properties": [
                {"key": "channel", "value": "#alerts", "label": "Channel"},
                {"key": "api_token", "value": "tok-991", "displayValue": "tok-991", "label": "Token"},
            ],
        }
    )
    assert out["tags"] == [{"key": "team", "values": ["checkout"]}]
    assert out["properties"][0] == {"key": "channel", "value": "#alerts", "label": "Channel"}
    assert "tok-991" not in repr(out)
    assert out["properties"][1]["key"] == "api_token" and out["properties"][1]["label"] == "Token"
