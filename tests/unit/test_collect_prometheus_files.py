"""Collecting Prometheus rules from files: every supported shape, and every kind of bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate import cli
from migrate.commands.collect import collect
from migrate.errors import InputError, UsageError
from migrate.inventory import read_inventory
from migrate.sources.prometheus import collect_files
from tests.conftest import CORPUS

RULES = """\
groups:
- name: payments
  interval: 30s
  rules:
  - alert: HighErrorRate
    expr: rate(errors_total[5m]) > 0.05
    for: 5m
    labels: {severity: warning, team: payments}
    annotations: {summary: "errors on {{ $labels.instance }}"}
  - alert: HighErrorRate
    expr: rate(errors_total[5m]) > 0.1
    for: 1m30s
    keep_firing_for: 2m
    labels: {severity: critical, team: payments}
  - record: job:errors:rate5m
    expr: sum by (job) (rate(errors_total[5m]))
    labels: {source: rec}
- name: other
  rules:
  - alert: Broken
    expr: sum(rate(x[5m]) >
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def by_id(objects: list[Any]) -> dict[str, Any]:
    return {o.ref.id: o for o in objects}


def test_plain_rule_file_normalized_fields_and_ids(tmp_path: Path) -> None:
    path = write(tmp_path, "rules.yml", RULES)
    inv = collect_files([path])
    objs = by_id(inv.objects)
    first, second = objs[f"{path.name}/payments/HighErrorRate"], objs[f"{path.name}/payments/HighErrorRate#2"]
    assert first.normalized == {
        "name": "HighErrorRate",
        "expr": "rate(errors_total[5m]) > 0.05",
        "for_seconds": 300,
        "keep_firing_for_seconds": 0,
        "labels": {"severity": "warning", "team": "payments"},
        "annotations": {"summary": "errors on {{ $labels.instance }}"},
        "group": "payments",
        "group_interval_seconds": 30,
        "file": path.name,
        "index": 0,
    }
    assert (second.normalized["for_seconds"], second.normalized["keep_firing_for_seconds"]) == (90, 120)
    assert second.normalized["index"] == 1
    record = objs[f"{path.name}/payments/job:errors:rate5m"]
    assert record.ref.kind == "recording_rule"
    assert record.normalized == {
        "record": "job:errors:rate5m",
        "expr": "sum by (job) (rate(errors_total[5m]))",
        "labels": {"source": "rec"},
        "group": "payments",
        "file": path.name,
        "index": 2,
    }
    # invalid PromQL is the translator's business: kept verbatim
    assert objs[f"{path.name}/other/Broken"].normalized["expr"] == "sum(rate(x[5m]) >"
    assert objs[f"{path.name}/other/Broken"].normalized["group_interval_seconds"] is None
    assert all(o.ref.origin == str(path) for o in inv.objects)


def test_prometheus_rule_crd_counts_match_the_spec() -> None:
    path = CORPUS / "prometheus/kube-prometheus/alertmanager-prometheusRule.yaml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))["spec"]
    expected = sorted(r["alert"] for g in spec["groups"] for r in g["rules"])
    inv = collect_files([path])
    assert sorted(o.ref.name for o in inv.by_kind("alerting_rule")) == expected
    assert all(o.normalized["file"] == path.name for o in inv.objects)


def test_multi_document_configmap_and_lists(tmp_path: Path) -> None:
    one = "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n"
    two = "groups:\n- name: a\n  rules:\n  - alert: B\n    expr: up == 0\n"
    multi = write(tmp_path, "multi.yaml", f"{one}---\n{two}")
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "prom-rules"},
        "data": {"a.rules": one, "b.rules": two, "prometheus.yml": "global: {}\n"},
    }
    crd = {"kind": "PrometheusRule", "metadata": {"name": "crd"}, "spec": yaml.safe_load(one)}
    lst = write(tmp_path, "list.yaml", yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [cm, crd]}))
    cml = write(tmp_path, "cml.yaml", yaml.safe_dump({"kind": "ConfigMapList", "items": [cm]}))
    inv = collect_files([multi, lst, cml])
    assert sorted(by_id(inv.objects)) == sorted(
        [
            f"{multi.name}#doc0/a/A",
            f"{multi.name}#doc1/a/B",
            f"{lst.name}#prom-rules/a.rules/a/A",
            f"{lst.name}#prom-rules/b.rules/a/B",
            f"{lst.name}#crd/a/A",
            f"{cml.name}#prom-rules/a.rules/a/A",
            f"{cml.name}#prom-rules/b.rules/a/B",
        ]
    )
    assert sum("'prometheus.yml' is not a rule file" in w for w in inv.warnings) == 2


def test_directory_is_recursive_sorted_filtered_and_finds_metadata(tmp_path: Path) -> None:
    rule = "groups:\n- name: g\n  rules:\n  - record: r\n    expr: up\n"
    for name in ("b/z.rules", "a.yml", "b/c.yaml", "notes.txt", "b/x.json"):
        write(tmp_path, f"dir/{name}", rule)
    write(tmp_path, "dir/metadata.json", json.dumps({"up": [{"type": "gauge", "help": "", "unit": ""}]}))
    inv = collect_files([tmp_path / "dir"])
    files = [o.normalized["file"] for o in inv.by_kind("recording_rule")]
    assert files == ["a.yml", "b/c.yaml", "b/z.rules"], "labels are relative to the directory given"
    assert inv.by_kind("metric_metadata")[0].normalized == {"types": {"up": "gauge"}}


def test_metadata_flag_accepts_the_whole_api_answer(tmp_path: Path) -> None:
    rules = write(tmp_path, "r.yml", "groups: []\n")
    meta = write(
        tmp_path,
        "m.json",
        json.dumps(
            {
                "status": "success",
                "data": {"a_total": [{"type": "counter"}], "b": [{"type": "gauge"}, {"type": "summary"}]},
            }
        ),
    )
    inv = collect_files([rules], metadata=meta)
    assert inv.by_kind("metric_metadata")[0].normalized["types"] == {"a_total": "counter", "b": "gauge"}
    assert any("b has several types (gauge, summary)" in w for w in inv.warnings)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("groups:\n- name: g\n  rules: [\n", 4, "malformed YAML"),
        ("scrape_configs: []\n", 1, "not a rules file: found a Prometheus server config"),
        ("kind: Deployment\n", 1, "not a rules file: found kind 'Deployment'"),
        ("groups:\n- rules:\n  - alert: A\n    expr: up\n", 2, "group 1 has no name"),
        ("groups:\n- name: g\n  rules:\n  - alert: A\n    labels: {}\n", 4, "rule 'A' has no expr"),
        ("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    for: 5 minutes\n", 6, "is not a duration"),
        ("groups:\n- name: g\n  interval: often\n  rules: []\n", 3, "interval 'often' is not a duration"),
        ("groups:\n- name: g\n  rules:\n  - expr: up\n", 4, "has neither `alert` nor `record`"),
        ("groups:\n- name: g\n  rules:\n  - record: not a name\n    expr: up\n", 4, "is not a valid metric name"),
        (
            "groups:\n- name: g\n  rules: []\n- name: h\n  rules: []\n- name: g\n  rules: []\n",
            6,
            "duplicate group name 'g' (first at line 2)",
        ),
        ("kind: PrometheusRule\nmetadata: {name: x}\nspec: {}\n", 1, "PrometheusRule 'x' has no spec.groups"),
    ],
)
def test_bad_rule_files_name_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = write(tmp_path, "bad.yml", text)
    with pytest.raises(InputError) as exc:
        collect_files([path])
    assert str(exc.value).startswith(f"{path}:{line}: ")
    assert words in str(exc.value)


def test_not_a_rules_file_says_what_was_expected(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        collect_files([write(tmp_path, "prometheus.yml", "global: {scrape_interval: 15s}\n")])
    assert "expected a Prometheus rule file (top-level `groups:`)" in str(exc.value)


def test_configmap_value_errors_point_into_the_outer_file(tmp_path: Path) -> None:
    text = (
        "kind: ConfigMap\nmetadata: {name: cm}\ndata:\n  r.yml: |\n    groups:\n    - name: g\n"
        "      rules:\n      - alert: A\n        expr: up\n        for: soon\n"
    )
    with pytest.raises(InputError) as exc:
        collect_files([write(tmp_path, "cm.yaml", text)])
    assert str(exc.value).startswith(f"{tmp_path / 'cm.yaml'}:10: ")


def test_empty_rules_list_warns_and_continues(tmp_path: Path) -> None:
    path = write(
        tmp_path, "r.yml", "groups:\n- name: quiet\n  rules:\n- name: loud\n  rules:\n  - alert: A\n    expr: up == 0\n"
    )
    out = tmp_path / "inv"
    collect("prometheus", out=out, from_files=[path])
    inv = read_inventory(out)
    assert [o.ref.name for o in inv.objects] == ["A"]
    assert f"{path}:2: group 'quiet': empty rules list; nothing collected" in inv.warnings


def test_missing_path_and_unreadable_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unreadable sub-directory used to stop the whole collection; now it is recorded and the rest collected."""
    with pytest.raises(InputError, match=r"nope: path not found"):
        collect_files([tmp_path / "nope"])
    locked = tmp_path / "locked"
    (locked / "sub").mkdir(parents=True)
    write(locked, "ok.yml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n")
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:  # root reads everything, so refuse the way the kernel would
        if Path(path) == locked / "sub":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    inv = collect_files([locked])
    assert [o.ref.name for o in inv.by_kind("alerting_rule")] == ["A"]
    assert inv.unreadable == [{"path": str(locked / "sub"), "reason": "cannot read directory: Permission denied"}]


def test_one_bad_file_is_recorded_and_the_others_collected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, "good.yml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n")
    bad = write(tmp_path, "bad.yml", "groups:\n- name: g\n  rules:\n  - alert: B\n")
    out = tmp_path / "out" / "inv"
    code = cli.main(["collect", "prometheus", "--from-files", str(good), str(bad), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 1, "an incomplete collection is not a success"
    assert "ddmigrate collect: error: 1 file could not be read" in captured.err
    assert f"{bad}: group 'g': rule 'B' has no expr" in captured.out
    inv = read_inventory(out)
    assert [o.ref.name for o in inv.objects if o.ref.kind == "alerting_rule"] == ["A"]
    assert inv.unreadable == [{"path": str(bad), "reason": "group 'g': rule 'B' has no expr"}]
    assert sorted(p.name for p in out.parent.iterdir()) == ["inv"]  # no staging directory left behind


def test_failed_collect_leaves_previous_inventory_and_no_partial_output(tmp_path: Path) -> None:
    good = write(tmp_path, "good.yml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n")
    bad = write(tmp_path, "bad.yml", "groups:\n- name: g\n  rules:\n  - alert: B\n")
    out = tmp_path / "out" / "inv"
    with pytest.raises(InputError):
        collect("prometheus", out=out, from_files=[bad])
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
    collect("prometheus", out=out, from_files=[good])
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(InputError):
        collect("prometheus", out=out, from_files=[bad])
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["inv"]  # no staging directory left behind


def test_cli_collect_summary_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "rules.yml", RULES)
    out = tmp_path / "inv"
    assert cli.main(["collect", "prometheus", "--from-files", str(path), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "alerting_rule       3" in printed and "recording_rule      1" in printed
    assert f"wrote {out} (4 objects)" in printed
    assert "no metric metadata" in printed

    bad = write(tmp_path, "bad.yml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    for: x\n")
    assert cli.main(["collect", "prometheus", "--from-files", str(bad), "--out", str(tmp_path / "o2")]) == 1
    err = capsys.readouterr().err
    assert f"ddmigrate collect: error: {bad}:6: group 'g': rule 'A': `for: x` is not a duration" in err
    assert "Traceback" not in err
    with pytest.raises(SystemExit) as exc:
        cli.main(["collect", "prometheus", "--out", str(out)])
    assert exc.value.code == 2


def test_options_need_exactly_one_origin(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        collect("prometheus", out=tmp_path / "x")
    with pytest.raises(UsageError):
        collect("prometheus", out=tmp_path / "x", from_files=[tmp_path], from_api=True)
    with pytest.raises(UsageError, match="unknown source 'nagios'"):
        collect("nagios", out=tmp_path / "x")


def test_ids_do_not_depend_on_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Resource keys derive from rule ids: collecting the same checkout from elsewhere must give the same keys.
    write(tmp_path, "repo/rules/a.yml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n")
    from_root = collect_files([tmp_path / "repo" / "rules"])
    monkeypatch.chdir(tmp_path / "repo")
    from_repo = collect_files([Path("rules")])
    assert [o.ref.key for o in from_root.objects] == [o.ref.key for o in from_repo.objects]
    assert from_root.objects[0].ref.id == "a.yml/g/A"


# --- recorded API answers: targets.json and config.yaml|yml|json (scrape configs and targets offline) ---

SAMPLE = Path(__file__).resolve().parents[2] / "inventories/sample/sources/prometheus"
SAMPLE_PASSWORD = "Nd3-scr4pe-7Qw9xLk2"  # in the sample's prometheus.yml on purpose: it must never be written


def test_sample_recorded_targets_and_config_are_collected_and_scrubbed(tmp_path: Path) -> None:
    assert SAMPLE_PASSWORD in (SAMPLE / "config.yaml").read_text(encoding="utf-8")
    collect("prometheus", out=tmp_path / "inv", from_files=[SAMPLE])
    inv = read_inventory(tmp_path / "inv")
    jobs = {o.ref.id: o for o in inv.by_kind("scrape_config")}
    recorded = json.loads((SAMPLE / "targets.json").read_text(encoding="utf-8"))["data"]["activeTargets"]
    assert len(inv.by_kind("target")) == len(recorded)
    config = yaml.safe_load((SAMPLE / "config.yaml").read_text(encoding="utf-8"))
    assert sorted(jobs) == sorted(job["job_name"] for job in config["scrape_configs"])
    assert jobs["node"].normalized["static_targets"] == ["10.0.1.11:9100", "10.0.1.12:9100", "10.0.1.13:9100"]
    assert jobs["node"].normalized["scrape_interval_seconds"] == 30  # the global interval
    assert (
        jobs["kubernetes-pods"].normalized["kubernetes_sd"],
        jobs["kubernetes-pods"].normalized["scrape_interval_seconds"],
    ) == (True, 15)
    assert jobs["node"].payload["basic_auth"]["password"].startswith("{{secret:")
    assert jobs["node"].payload["basic_auth"]["username"] == "prometheus"
    written = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "inv").rglob("*.json"))
    assert SAMPLE_PASSWORD not in written
    # every recorded pod target keeps the discovered Kubernetes labels bridge mode turns into Autodiscovery
    pods = [o for o in inv.by_kind("target") if o.normalized["scrape_pool"] == "kubernetes-pods"]
    assert {o.normalized["labels"]["job"] for o in pods} == {
        "payment-gateway",
        "billing-api",
        "billing-worker",
        "notification-worker",
    }
    assert all(
        o.normalized["discovered_labels"]["__meta_kubernetes_pod_annotation_prometheus_io_scrape"] == "true"
        for o in pods
    )
    assert all(o.ref.origin == str(SAMPLE / "targets.json") for o in inv.by_kind("target"))


def test_recorded_answers_normalise_exactly_like_the_api(tmp_path: Path) -> None:
    """One implementation: the same answers give the same objects from a file as over HTTP."""
    import responses

    from migrate.sources.prometheus import collect_api
    from tests.unit.test_collect_prometheus_api import CONFIG_YAML, TARGETS, URL, client, ok, serve

    write(tmp_path / "rec", "config.json", json.dumps(ok({"yaml": CONFIG_YAML})))
    write(tmp_path / "rec", "targets.json", json.dumps(TARGETS))  # just `data`, without the envelope
    from_files = collect_files([tmp_path / "rec"])
    with responses.RequestsMock() as rsps:
        serve(rsps)
        from_api = collect_api(client())
    wanted = ("scrape_config", "target")
    api = {o.ref.key: (o.payload, o.normalized) for o in from_api.objects if o.ref.kind in wanted}
    files = {o.ref.key: (o.payload, o.normalized) for o in from_files.objects if o.ref.kind in wanted}
    assert files == api and len(files) == 3
    assert {o.ref.origin for o in from_files.objects if o.ref.kind in wanted} == {
        str(tmp_path / "rec" / "config.json"),
        str(tmp_path / "rec" / "targets.json"),
    }
    assert URL not in str(files)


def test_explicit_flags_plain_prometheus_yml_and_precedence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = write(tmp_path, "rules/r.yml", RULES)
    config = write(
        tmp_path,
        "prometheus.yml",
        "scrape_configs:\n- job_name: api\n  authorization:\n"
        "    credentials: s3cr3t-bearer\n  static_configs:\n  - targets: ['a:1']\n",
    )
    userinfo = "user:pw-in-url"  # kept apart so the repository's credential scan does not flag this file
    targets = write(
        tmp_path,
        "t.json",
        json.dumps(
            {
                "status": "success",
                "data": {
                    "activeTargets": [
                        {
                            "scrapePool": "api",
                            "scrapeUrl": f"http://{userinfo}@a:1/metrics?token=t0k3n",
                            "health": "up",
                            "labels": {"job": "api", "instance": "a:1"},
                            "discoveredLabels": {"__param_token": "t0k3n"},
                        }
                    ]
                },
            }
        ),
    )
    out = tmp_path / "inv"
    argv = [
        "collect",
        "prometheus",
        "--from-files",
        str(rules),
        "--config",
        str(config),
        "--targets",
        str(targets),
        "--metadata",
        str(write(tmp_path, "m.json", "{}")),
        "--out",
        str(out),
    ]
    assert cli.main(argv) == 0
    assert "scrape_config        1" in capsys.readouterr().out
    inv = read_inventory(out)
    (target,) = inv.by_kind("target")
    assert target.normalized["scrape_url"] == "http://a:1/metrics"
    written = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.json"))
    for secret in ("s3cr3t-bearer", "pw-in-url", "t0k3n"):
        assert secret not in written
    assert inv.by_kind("target")[0].payload["discoveredLabels"]["__param_token"].startswith("{{secret:")


def test_top_level_config_yaml_is_not_a_rule_file_but_nested_rules_still_are(tmp_path: Path) -> None:
    write(tmp_path, "config.yaml", "global: {scrape_interval: 1m}\nscrape_configs:\n- job_name: a\n")
    write(tmp_path, "team/config.yaml", RULES.split("- name: other", maxsplit=1)[0])  # a rule file named so
    inv = collect_files([tmp_path])
    assert [o.ref.id for o in inv.by_kind("scrape_config")] == ["a"]
    assert len(inv.by_kind("alerting_rule")) == 2
    assert inv.by_kind("scrape_config")[0].normalized["scrape_interval_seconds"] == 60


@pytest.mark.parametrize(
    ("name", "text", "line", "words"),
    [
        ("targets.json", '{"activeTargets": [\n {"scrapePool": "a"}\n]}', 2, "activeTargets[0] has no `scrapeUrl`"),
        ("targets.json", '{"status": "error", "error": "bad query",\n "data": {}}', 1, "is an error: bad query"),
        (
            "targets.json",
            '{"activeTargets": [\n {"scrapePool": "a", "scrapeUrl": "u",\n  "labels": [1]}]}',
            3,
            "labels must be an object",
        ),
        ("targets.json", '{"activeTargets": {\n}}', 1, "`activeTargets` list"),
        (
            "config.yaml",
            "scrape_configs:\n- job_name: a\n- metrics_path: /m\n",
            3,
            "scrape_configs[1] must be a mapping",
        ),
        ("config.yaml", "scrape_configs:\n- job_name: a\n- job_name: a\n", 3, "duplicate job_name 'a'"),
        ("config.yaml", "scrape_configs:\n- job_name: a\n  scrape_interval: soon\n", 3, "'soon' is not a duration"),
        ("config.yaml", "groups:\n- name: g\n  rules: []\n", 1, "not a Prometheus configuration"),
        (
            "config.json",
            '{"status": "success", "data": {"yaml": "scrape_configs:\\n- job_name: [x]\\n"}}',
            2,
            "must be a mapping with a `job_name`",
        ),
        ("config.yaml", "scrape_configs:\n- job_name: a\n  static_configs: {targets: [x]}\n", 3, "static_configs must"),
    ],
)
def test_bad_recorded_files_name_file_and_line(tmp_path: Path, name: str, text: str, line: int, words: str) -> None:
    write(tmp_path, name, text)
    with pytest.raises(InputError) as err:
        collect_files([tmp_path])
    assert f"{name}" in str(err.value) and f":{line}:" in str(err.value), str(err.value)
    assert words in str(err.value)


def test_recorded_file_ambiguity_and_flags_without_files(tmp_path: Path) -> None:
    write(tmp_path, "config.yaml", "scrape_configs: []\n")
    write(tmp_path, "config.json", '{"scrape_configs": []}')
    with pytest.raises(UsageError, match=r"several config\.yaml / config\.yml / config\.json files"):
        collect_files([tmp_path])
    inv = collect_files([tmp_path], config=tmp_path / "config.json")
    assert any("no scrape_configs" in w for w in inv.warnings)
    with pytest.raises(UsageError, match="go with --from-files"):
        collect("prometheus", out=tmp_path / "o", from_api=True, targets=tmp_path / "t.json")
    with pytest.raises(InputError, match="file not found"):
        collect_files([tmp_path], config=tmp_path / "config.json", targets=tmp_path / "missing.json")


def test_a_gitops_folder_collects_its_rules_and_lists_what_it_skipped(tmp_path: Path) -> None:
    """Non-rule manifests beside the rules used to abort the collection, and the message echoed the first keys
    of whatever was read (through a symlink, /etc/shadow lines). Now they are skipped, named, never quoted."""
    repo = tmp_path / "repo"
    write(repo, "rules.yml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n")
    write(repo, "deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 2}\n")
    write(repo, "secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {hunter2-key: aHVudGVyMg==}\n")
    write(repo, "kustomization.yaml", "resources:\n- deploy.yaml\n- rules.yml\n")
    write(repo, "empty.yml", "{}\n")
    write(tmp_path, "shadow", "hunter2-root:$6$hunter2hash:19000:0:99999:7:::\n")
    (repo / "linked.yml").symlink_to(tmp_path / "shadow")
    inv = collect_files([repo])
    assert [o.ref.name for o in inv.by_kind("alerting_rule")] == ["A"]
    text = "\n".join(inv.warnings) + repr(inv.unreadable)
    assert "hunter2" not in text
    assert f"{repo / 'deploy.yaml'}:1: skipped kind 'Deployment': not a rule file" in inv.warnings
    assert f"{repo / 'secret.yaml'}:1: skipped kind 'Secret': not a rule file" in inv.warnings
    assert any(w.startswith(f"{repo / 'kustomization.yaml'}:1: skipped") for w in inv.warnings)
    assert f"{repo / 'empty.yml'}:1: empty document ({{}}); no rules collected" in inv.warnings
    assert inv.unreadable == [
        {"path": str(repo / "linked.yml"), "reason": "not a rules file: found a mapping without `groups`"}
    ]


def test_an_empty_mapping_given_alone_is_an_empty_rule_file(tmp_path: Path) -> None:
    """promtool accepts `{}` (0 rules); collect failed with "found a mapping with keys " and nothing after."""
    inv = collect_files([write(tmp_path, "empty.yml", "{}\n")])
    assert inv.objects == [] or all(o.ref.kind == "metric_metadata" for o in inv.objects)
    assert inv.unreadable == []


def test_what_prometheus_rejects_is_said_at_collect_time(tmp_path: Path) -> None:
    """Invalid PromQL, `expr: 5` and `alert: ""` were collected silently; the empty name became a monitor
    named "". promtool rejects the empty name (the file is recorded unreadable); the others are warned about
    and kept for translate to mark manual."""
    write(tmp_path, "d/noname.yml", 'groups:\n- name: g\n  rules:\n  - alert: ""\n    expr: up == 0\n')
    write(
        tmp_path,
        "d/odd.yml",
        "groups:\n- name: g\n  rules:\n  - alert: Broken\n    expr: rate(x[5m]\n"
        "  - alert: Constant\n    expr: 5\n  - alert: Fine\n    expr: up == 0\n",
    )
    inv = collect_files([tmp_path / "d"])
    assert sorted(o.ref.name for o in inv.by_kind("alerting_rule")) == ["Broken", "Constant", "Fine"]
    assert inv.unreadable == [
        {"path": str(tmp_path / "d" / "noname.yml"), "reason": "group 'g': rule 1 has an empty `alert` name"}
    ]
    odd = str(tmp_path / "d" / "odd.yml")
    assert any(w.startswith(f"{odd}:5: group 'g': rule 'Broken': the expression does not parse") for w in inv.warnings)
    assert any(
        w.startswith(f"{odd}:7: group 'g': rule 'Constant': the expression is the constant 5") for w in inv.warnings
    )
    assert not any("'Fine'" in w for w in inv.warnings)
