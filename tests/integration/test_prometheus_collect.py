"""Collect from a real Prometheus (2.42, Debian) serving the corpus rule files.

Counts are checked against `promtool check rules`, rule details against the file collector, metric
types against what the server's own metrics are known to be.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate import cli
from migrate.commands.collect import collect
from migrate.inventory import read_inventory
from migrate.sources.prometheus import collect_files
from tests.conftest import CORPUS, SCRAPE_PASSWORD
from tests.support.prometheus import PrometheusServer

pytestmark = pytest.mark.prometheus
SUCCESS = re.compile(r"^Checking (.+)\n  SUCCESS: (\d+) rules found$", re.MULTILINE)


def promtool_counts(files: list[Path]) -> dict[Path, int]:
    """Rule count per file for the files promtool accepts. Lint (duplicate recording rules) is off:
    the server loads such files, and so must the collector. One promtool run checks them all (a
    "Checking <file>" block each; a rejected file has FAILED instead of SUCCESS)."""
    promtool = shutil.which("promtool")
    assert promtool, "promtool comes with the prometheus package"
    proc = subprocess.run(
        [promtool, "check", "rules", "--lint=none", *map(str, files)], capture_output=True, text=True, check=False
    )
    found = {name: int(count) for name, count in SUCCESS.findall(proc.stdout)}
    return {path: found[str(path)] for path in files if str(path) in found}


def crd_as_rule_files(tmp_path: Path) -> list[Path]:
    """PrometheusRule resources unwrapped (their spec) so the server and promtool can load them too."""
    out = []
    for crd in sorted((CORPUS / "prometheus").rglob("*prometheusRule.yaml")):
        spec = yaml.safe_load(crd.read_text(encoding="utf-8"))["spec"]
        plain = tmp_path / "crd" / f"{crd.stem}.yml"
        plain.parent.mkdir(exist_ok=True)
        plain.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        out.append(plain)
    return out


@pytest.fixture(scope="module")
def corpus_counts(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, int]:
    plain = sorted(p for p in (CORPUS / "prometheus").rglob("*.y*ml") if "prometheusRule" not in p.name)
    files = plain + crd_as_rule_files(tmp_path_factory.mktemp("rules"))
    counts = promtool_counts(files)
    assert sorted(counts) == sorted(files), f"promtool rejected {sorted(set(files) - set(counts))}"
    return counts


def rule_signature(normalized: dict[str, Any]) -> tuple[Any, ...]:
    # the server re-formats `expr`, so compare everything else
    return (
        normalized["group"],
        normalized.get("name") or normalized.get("record"),
        normalized.get("for_seconds"),
        sorted(normalized["labels"].items()),
        sorted((normalized.get("annotations") or {}).items()),
    )


def test_collect_api_matches_promtool_and_files(
    prometheus_server: PrometheusServer,
    corpus_counts: dict[Path, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = sorted(corpus_counts)
    prometheus_server.reload(files)
    prometheus_server.wait_for_targets(3)
    monkeypatch.setenv("PROMETHEUS_URL", prometheus_server.url)

    inv = read_inventory(collect("prometheus", out=tmp_path / "inv", from_api=True).inventory.path or Path())

    rules = inv.by_kind("alerting_rule") + inv.by_kind("recording_rule")
    assert len(rules) == sum(corpus_counts.values())
    per_file: dict[str, int] = {}
    for obj in rules:
        per_file[obj.normalized["file"]] = per_file.get(obj.normalized["file"], 0) + 1
    assert per_file == {str(p.resolve()): n for p, n in corpus_counts.items() if n}
    assert all(o.ref.origin == prometheus_server.url for o in rules)

    from_files = collect_files(files)
    assert sorted(rule_signature(o.normalized) for o in rules) == sorted(
        rule_signature(o.normalized) for o in from_files.objects if o.ref.kind.endswith("_rule")
    )
    # what the rule ids look like from the server: absolute file / group / name
    some = next(o for o in rules if o.ref.kind == "alerting_rule")
    assert some.ref.id.startswith(some.normalized["file"].lstrip("/") + "/" + some.normalized["group"] + "/")

    # empty rule groups are reported, not dropped silently
    assert any("CloudflareKafkaZookeeperExporter" in w and "empty rules list" in w for w in inv.warnings)


def test_metadata_scrape_configs_and_targets(
    prometheus_server: PrometheusServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rules = CORPUS / "prometheus/awesome-prometheus-alerts/mysql/mysqld-exporter.yml"
    prometheus_server.reload([rules])
    prometheus_server.wait_for_targets(3)
    token = "bearer-tok-0b7e44d1c9a8"
    monkeypatch.setenv("PROMETHEUS_URL", prometheus_server.url)
    monkeypatch.setenv("PROMETHEUS_BEARER_TOKEN", token)  # Prometheus ignores it; it must not leak anyway

    out = tmp_path / "inv"
    assert cli.main(["collect", "prometheus", "--from-api", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    inv = read_inventory(out)

    types = inv.by_kind("metric_metadata")[0].normalized["types"]
    assert types["prometheus_http_requests_total"] == "counter"
    assert types["go_goroutines"] == "gauge"
    assert types["prometheus_http_request_duration_seconds"] == "histogram"

    jobs = {o.ref.id: o for o in inv.by_kind("scrape_config")}
    assert set(jobs) == {"prometheus", "dead", "secured"}
    assert jobs["prometheus"].normalized["static_targets"] == [prometheus_server.url.removeprefix("http://")]
    assert jobs["prometheus"].normalized["scrape_interval_seconds"] == 1
    assert jobs["secured"].payload["basic_auth"]["password"].startswith("{{secret:")
    assert jobs["secured"].payload["basic_auth"]["username"] == "scraper"

    targets = {o.normalized["scrape_pool"]: o.normalized for o in inv.by_kind("target")}
    assert targets["prometheus"]["health"] == "up"
    assert targets["prometheus"]["labels"]["team"] == "platform"
    assert targets["dead"]["health"] == "down"
    assert "__address__" in targets["dead"]["discovered_labels"]

    written = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.json"))
    for secret in (token, SCRAPE_PASSWORD):
        assert secret not in written
        assert secret not in printed.out + printed.err
    assert f"wrote {out}" in printed.out


def test_reload_serves_other_rule_files(prometheus_server: PrometheusServer, tmp_path: Path) -> None:
    rules = tmp_path / "one.yml"
    rules.write_text("groups:\n- name: g\n  rules:\n  - alert: Only\n    expr: up == 0\n", encoding="utf-8")
    prometheus_server.reload([rules])
    groups = prometheus_server.api("rules")["groups"]
    assert [(g["file"], [r["name"] for r in g["rules"]]) for g in groups] == [(str(rules.resolve()), ["Only"])]


def test_sample_company_rules_load_in_prometheus(prometheus_server: PrometheusServer, tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parents[2] / "inventories/sample/sources/prometheus"
    files = sorted(sample.glob("*.rules.yml"))
    for crd in sorted(sample.glob("*prometheusrule.yaml")):
        plain = tmp_path / f"{crd.stem}.yml"
        plain.write_text(yaml.safe_dump(yaml.safe_load(crd.read_text(encoding="utf-8"))["spec"]), encoding="utf-8")
        files.append(plain)
    counts = promtool_counts(files)
    assert sorted(counts) == sorted(files)
    prometheus_server.reload(files)
    loaded = sum(len(g["rules"]) for g in prometheus_server.api("rules")["groups"])
    from_files = collect_files([sample])
    assert loaded == sum(counts.values()) == len([o for o in from_files.objects if o.ref.kind.endswith("_rule")])
