from pathlib import Path

import pytest

import migrate
from migrate.errors import ConfigError
from migrate.mappings import load_mappings, parse_duration


def test_defaults_load_and_validate() -> None:
    m = load_mappings()
    assert m.namespace == ""  # the operator's to set (tests/unit/test_mappings_defaults.py)
    # one tag value per scrape target, as `instance` is: not the Agent's `host`, which targets share
    assert m.label_tags["instance"] == "endpoint"
    assert m.default_window_seconds == 300
    assert m.routing == [], "no default handle: it would page somebody else's on-call"
    assert len(m.fingerprint()) == 16


def test_later_layer_wins_per_key(tmp_path: Path) -> None:
    (tmp_path / "override.yaml").write_text(
        "prometheus:\n  namespace: acme\n  label_tags:\n    pod: kube_pod\n"
        "routing:\n  - match: {}\n    notify: ['@slack-only']\n"
    )
    m = load_mappings([tmp_path])
    assert m.namespace == "acme"
    # dictionaries merge: the default `instance` mapping survives next to the new `pod` one
    assert m.label_tags == {"instance": "endpoint", "job": "service", "pod": "kube_pod"}
    # lists replace
    assert m.routing == [{"match": {}, "notify": ["@slack-only"]}]


def test_operator_layer_can_map_instance_back_to_host(tmp_path: Path) -> None:
    (tmp_path / "host.yaml").write_text("prometheus:\n  label_tags:\n    instance: host\n")
    m = load_mappings([tmp_path])
    assert m.label_tags == {"instance": "host", "job": "service"}
    assert m.server_labels == ["job", "instance"]
    assert m.fingerprint() != load_mappings().fingerprint()  # translations made under either rule differ


def test_error_names_file_line_and_key(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("alerts:\n  severity:\n    critical:\n      priority: 9\n")
    with pytest.raises(ConfigError) as exc:
        load_mappings([tmp_path])
    text = str(exc.value)
    assert "bad.yaml:4:" in text
    assert "alerts.severity.critical.priority" in text
    assert "9 is greater than the maximum of 5" in text


def test_unknown_section_and_malformed_yaml(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("prometheus:\n  namespace: ok\nbogus: 1\n")
    with pytest.raises(ConfigError, match=r"a\.yaml:3: .*bogus"):
        load_mappings([tmp_path])
    (tmp_path / "a.yaml").write_text("prometheus: [unclosed\n")
    with pytest.raises(Exception, match=r"a\.yaml:2: malformed YAML"):
        load_mappings([tmp_path])


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="mappings directory not found"):
        load_mappings([tmp_path / "nope"])


@pytest.mark.parametrize(("text", "seconds"), [("5m", 300), ("1h30m", 5400), ("0s", 0), ("90s", 90), ("1d", 86400)])
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "5 minutes", "m5"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


@pytest.mark.parametrize("window", ["0s", "30s", "2w"])
def test_default_window_must_be_a_datadog_window(tmp_path: Path, window: str) -> None:
    (tmp_path / "w.yaml").write_text(f"alerts:\n  default_window: {window}\n")
    with pytest.raises(ConfigError, match=r"w\.yaml:2: alerts\.default_window: .* outside Datadog's monitor windows"):
        load_mappings([tmp_path])


def test_defaults_are_package_data_and_the_env_var_replaces_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = load_mappings().files
    assert shipped and all(Path(f).parent == Path(migrate.__file__).parent / "data" / "mappings" for f in shipped)
    (tmp_path / "only.yaml").write_text("prometheus:\n  namespace: acme\n")
    monkeypatch.setenv("DDMIGRATE_MAPPINGS", str(tmp_path))
    m = load_mappings()
    assert m.files == [str(tmp_path / "only.yaml")] and m.namespace == "acme" and not m.routing


def test_schema_error_hint_names_the_shipped_readme(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("bogus: 1\n")
    with pytest.raises(ConfigError) as exc:
        load_mappings([tmp_path])
    readme = Path(str(exc.value.hint).removeprefix("see ").split(" for the keys")[0])
    assert readme.name == "README.md" and "`routing`" in readme.read_text(encoding="utf-8")
