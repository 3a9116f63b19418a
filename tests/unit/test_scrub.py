from migrate.scrub import scrub


def test_scrub_replaces_credentials_with_references() -> None:
    config = {
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
