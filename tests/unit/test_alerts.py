"""Alert rule → monitor, table-driven from tests/cases/alerts.yaml, plus merge, placeholder, recording rules.

The PromQL translator is replaced by a fake that returns what each case says (`translated`), so these
tests pin the rule → monitor layer on its own; tests/integration/test_corpus_prometheus.py runs the real one.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.datadog import ownership
from migrate.datadog.validate import validate_payload
from migrate.inventory.store import Inventory, InventoryObject
from migrate.ledger import Ledger
from migrate.mappings import parse_duration
from migrate.model import DesiredResource, Finding, Outcome, SourceRef
from migrate.translate.base import TranslateEnv
from migrate.translate.ddquery import Formula, parse_expression
from migrate.translate.prometheus.rules import translate_rules
from migrate.translate.promql.context import PromqlContext
from migrate.translate.query import Comparison, QueryContext, QueryResult, RangeWindow
from migrate.translate.run import run_translators
from tests.support.sample_mappings import sample_mappings

CASES = yaml.safe_load((Path(__file__).parents[1] / "cases" / "alerts.yaml").read_text())


def rule_objects(rules: list[dict[str, Any]], file: str = "rules/app.yml", group: str = "app") -> list[InventoryObject]:
    """Inventory objects as the collector writes them (ids `<file>/<group>/<name>`, `#2` for repeats)."""
    seen: Counter[str] = Counter()
    out = []
    for index, rule in enumerate(rules):
        name = rule.get("alert") or rule["record"]
        base = f"{file}/{group}/{name}"
        seen[base] += 1
        kind = "alerting_rule" if "alert" in rule else "recording_rule"
        ref = SourceRef("prometheus", kind, base if seen[base] == 1 else f"{base}#{seen[base]}", name, file)
        if kind == "recording_rule":
            normalized: dict[str, Any] = {
                "record": name,
                "expr": rule["expr"],
                "labels": rule.get("labels", {}),
                "group": group,
                "file": file,
                "index": index,
            }
        else:
            normalized = {
                "name": name,
                "expr": rule["expr"],
                "for_seconds": parse_duration(rule.get("for", "0s")),
                "keep_firing_for_seconds": parse_duration(rule.get("keep_firing_for", "0s")),
                "labels": rule.get("labels", {}),
                "annotations": rule.get("annotations", {}),
                "group": group,
                "group_interval_seconds": None,
                "file": file,
                "index": index,
            }
        out.append(InventoryObject(ref, {k: v for k, v in rule.items() if k != "translated"}, normalized))
    return out


def fake_result(expr: str, spec: dict[str, Any]) -> QueryResult:
    expression = spec.get("expression", "")
    return QueryResult(
        original=expr,
        formula=Formula.of(parse_expression(expression)) if expression else None,
        findings=[
            Finding(f["code"], f.get("message", f["code"]), Outcome(f["outcome"])) for f in spec.get("findings", [])
        ],
        comparison=Comparison(spec["op"], float(spec["threshold"])) if "op" in spec else None,
        group_by=list(spec.get("group_by", [])),
        metrics=list(spec.get("metrics", [])),
        no_data_alert=bool(spec.get("no_data_alert", False)),
        forecast_seconds=spec.get("forecast_seconds"),
        ranges=[
            RangeWindow(r["function"], float(r["seconds"]), r.get("difference", "")) for r in spec.get("ranges", [])
        ],
    )


def run_rules(
    rules: list[dict[str, Any]], check: Any = None, objects: list[InventoryObject] | None = None
) -> tuple[list[DesiredResource], Ledger]:
    table = {r["expr"]: r.get("translated", {}) for r in rules}
    seen: list[QueryContext] = []

    def fake(expr: str, ctx: QueryContext) -> QueryResult:
        seen.append(ctx)
        return fake_result(expr, table[expr])

    env = TranslateEnv(QueryContext(sample_mappings()), Ledger())
    if check is not None:
        env.check_payload = check
    resources = translate_rules(objects or rule_objects(rules), env, translate=fake)
    return resources, env.ledger


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_alert_case(case: dict[str, Any]) -> None:
    resources, ledger = run_rules(case["rules"])
    expect = case["expect"]
    assert len(resources) == expect.get("monitors", 1)
    refs = rule_objects(case["rules"])
    entries = [ledger.get(o.ref.key) for o in refs]
    assert all(e is not None for e in entries), "every rule has a ledger entry"
    if "outcomes" in expect:
        assert [e.outcome.value for e in entries if e] == expect["outcomes"]
    if "codes" in expect:
        assert [sorted({f.code for f in e.findings}) for e in entries if e] == [sorted(c) for c in expect["codes"]]
    monitor = resources[0].payload
    assert monitor["type"] == expect.get("type", "query alert")
    for field in ("query", "name"):
        if field in expect:
            assert monitor[field] == expect[field]
    if "thresholds" in expect:
        assert monitor["options"]["thresholds"] == {k: float(v) for k, v in expect["thresholds"].items()}
    if "priority" in expect:
        assert monitor.get("priority") == expect["priority"]
    for tag in expect.get("tags", []):
        assert tag in monitor["tags"]
    for tag in expect.get("no_tags", []):
        assert tag not in monitor["tags"]
    for fragment in expect.get("message", []):
        assert fragment in monitor["message"]
    for fragment in expect.get("not_in_message", []):
        assert fragment not in monitor["message"]
    for key, value in expect.get("options", {}).items():
        assert monitor["options"].get(key) == value, key
    for key in expect.get("no_options", []):
        assert key not in monitor["options"], key
    assert ("silenced" in monitor["options"]) is bool(expect.get("silenced", False))
    if expect.get("silenced"):
        assert monitor["options"]["silenced"] == {"*": None}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_every_monitor_is_owned_and_consistent(case: dict[str, Any]) -> None:
    resources, ledger = run_rules(case["rules"])
    for r in resources:
        p = r.payload
        assert r.key == ownership.resource_key("monitor", r.source_refs)
        assert ownership.owned_key("monitor", p) == r.key, "tags and footer both carry the key"
        assert validate_payload("monitor", p) == [], p["query"]
        if p["type"] == "query alert":
            threshold = p["query"].rsplit(" ", 1)[1]
            assert float(threshold) == p["options"]["thresholds"]["critical"], "query threshold == critical"
        assert all(r.key in ledger.get(ref.key).targets for ref in r.source_refs)  # type: ignore[union-attr]


def test_merged_pair_points_both_entries_at_one_monitor() -> None:
    case = next(c for c in CASES if c["id"] == "warning_and_critical_pair_merge")
    resources, ledger = run_rules(case["rules"])
    (monitor,) = resources
    keys = [o.ref.key for o in rule_objects(case["rules"])]
    assert sorted(r.key for r in monitor.source_refs) == sorted(keys)
    assert [ledger.get(k).targets for k in keys] == [[monitor.key], [monitor.key]]  # type: ignore[union-attr]
    assert monitor.key == ownership.resource_key("monitor", monitor.source_refs)


def test_default_group_by_asks_for_annotation_labels() -> None:
    rules: list[dict[str, Any]] = [
        {
            "alert": "A",
            "expr": "x > 1",
            "for": "5m",
            "labels": {"team": "t"},
            "annotations": {"summary": '{{ $labels.instance }} {{ $labels.team }} {{ index $labels "pod" }}'},
            "translated": {"expression": "avg:x{*}", "op": ">", "threshold": 1},
        }
    ]
    seen: list[QueryContext] = []

    def fake(expr: str, ctx: QueryContext) -> QueryResult:
        seen.append(ctx)
        return fake_result(expr, rules[0]["translated"])

    env = TranslateEnv(QueryContext(sample_mappings()), Ledger())
    translate_rules(rule_objects(rules), env, translate=fake)
    assert seen[0].default_group_by == ["instance", "pod"]  # `team` is the rule's own constant label


def test_invalid_payload_becomes_placeholder_then_fallback() -> None:
    rules = [
        {
            "alert": "Bad",
            "expr": "x > 1",
            "for": "5m",
            "labels": {"severity": "critical"},
            "translated": {"expression": "avg:x{*}", "op": ">", "threshold": 1, "metrics": ["x"]},
        }
    ]
    rejected: list[str] = []

    def check(kind: str, payload: dict[str, Any]) -> list[str]:
        if "datadog.agent.running" in payload["query"]:
            return []
        rejected.append(payload["query"])
        return ["query is not valid"]

    resources, ledger = run_rules(rules, check=check)
    (monitor,) = resources
    assert monitor.payload["options"]["silenced"] == {"*": None}
    assert "datadog.agent.running" in monitor.payload["query"]
    assert len(rejected) == 3  # the monitor, the partial and the metric placeholders
    entry = ledger.get(rule_objects(rules)[0].ref.key)
    assert entry is not None and entry.outcome is Outcome.MANUAL
    assert "failed validation: query is not valid" in (entry.reason or "")
    assert "datadog.payload_invalid" in {f.code for f in entry.findings}


def test_everything_rejected_leaves_manual_entry_without_target() -> None:
    rules = [
        {
            "alert": "Bad",
            "expr": "x > 1",
            "for": "5m",
            "translated": {"expression": "avg:x{*}", "op": ">", "threshold": 1},
        }
    ]
    resources, ledger = run_rules(rules, check=lambda kind, payload: ["no"])
    assert resources == []
    entry = ledger.get(rule_objects(rules)[0].ref.key)
    assert entry is not None and entry.outcome is Outcome.MANUAL and entry.targets == []


def test_rejected_merged_pair_is_retried_as_two_monitors() -> None:
    case = next(c for c in CASES if c["id"] == "warning_and_critical_pair_merge")
    resources, ledger = run_rules(
        case["rules"], check=lambda k, p: ["no warning"] if "warning" in p["options"]["thresholds"] else []
    )
    assert len(resources) == 2
    assert all("silenced" not in r.payload["options"] for r in resources)
    assert {e.outcome for e in ledger} == {Outcome.EXACT}


def test_translator_crash_is_a_manual_entry_not_a_crash() -> None:
    objects = rule_objects([{"alert": "Boom", "expr": "x > 1", "for": "5m"}])

    def broken(expr: str, ctx: QueryContext) -> QueryResult:
        raise KeyError("bug")

    env = TranslateEnv(QueryContext(sample_mappings()), Ledger())
    (placeholder,) = translate_rules(objects, env, translate=broken)
    entry = env.ledger.get(objects[0].ref.key)
    assert entry is not None and entry.outcome is Outcome.MANUAL
    assert entry.findings[0].code == "internal.translator_error"
    assert placeholder.payload["name"] == "[ddmigrate: manual] Boom"
    assert "x > 1" in placeholder.payload["message"]


RECORDING: list[dict[str, Any]] = [
    {"record": "job:errors:rate5m", "expr": "sum by (job) (rate(errors_total[5m]))"},
    {"record": "job:errors:ratio", "expr": "job:errors:rate5m / on (job) job:requests:rate5m"},
    {"record": "job:requests:rate5m", "expr": "sum by (job) (rate(requests_total[5m]))"},
    {"record": "unused:rule", "expr": "sum(rate(foo_total[5m]))"},
    {"record": "unused:rule", "expr": "sum(rate(foo_total[5m]))"},
    {
        "alert": "ErrorRatio",
        "expr": "job:errors:ratio > 0.05",
        "for": "5m",
        "labels": {"severity": "critical"},
        "translated": {"expression": "a", "op": ">", "threshold": 0.05},
    },
    {
        "alert": "ViaName",
        "expr": '{__name__="job:requests:rate5m"} < 1',
        "for": "5m",
        "translated": {"expression": "b", "op": "<", "threshold": 1},
    },
]


def test_recording_rules_each_get_one_entry() -> None:
    resources, ledger = run_rules([r for r in RECORDING if "alert" in r], objects=rule_objects(RECORDING))
    keys = {o.ref.name + ("#2" if o.ref.id.endswith("#2") else ""): o.ref.key for o in rule_objects(RECORDING)}
    by_alert = {r.source_refs[0].name: r.key for r in resources}
    ratio = ledger.get(keys["job:errors:ratio"])
    assert ratio is not None and ratio.outcome is Outcome.EXACT
    assert ratio.reason == "inlined into ErrorRatio" and ratio.targets == [by_alert["ErrorRatio"]]
    through = ledger.get(keys["job:errors:rate5m"])  # used only through job:errors:ratio
    assert through is not None and through.outcome is Outcome.EXACT and through.reason == "inlined into ErrorRatio"
    both = ledger.get(keys["job:requests:rate5m"])
    assert both is not None and both.reason == "inlined into ErrorRatio, ViaName"
    assert sorted(both.targets) == sorted(by_alert.values())
    unused = ledger.get(keys["unused:rule"])
    assert unused is not None and unused.outcome is Outcome.SKIPPED and "not referenced" in (unused.reason or "")
    dup = ledger.get(keys["unused:rule#2"])
    assert dup is not None and dup.outcome is Outcome.SKIPPED and dup.reason == f"duplicate of {keys['unused:rule']}"
    assert len(ledger) == len(RECORDING)


def test_recording_rule_definitions_are_told_apart_by_their_labels() -> None:
    """kube-prometheus defines `apiserver_request:burnrate1h` once per `verb` (a static label): a selector on
    `verb` reads that definition; the matcher is answered by the label, not pushed down as a filter on series
    that never carry it."""
    rules: list[dict[str, Any]] = [
        {"record": "verb:burnrate1h", "expr": 'sum(rate(req_total{verb="read"}[1h]))', "labels": {"verb": "read"}},
        {"record": "verb:burnrate1h", "expr": 'sum(rate(req_total{code="5xx"}[1h]))', "labels": {"verb": "write"}},
        {"record": "team:errors", "expr": "sum(rate(errors_total[5m]))", "labels": {"team": "payments"}},
        {"alert": "Burn", "expr": "verb:burnrate1h > 14", "for": "2m"},
        {"alert": "BurnWrite", "expr": 'verb:burnrate1h{verb="write"} > 14', "for": "2m"},
        {"alert": "Payments", "expr": 'team:errors{team="payments"} > 1', "for": "2m"},
        {"alert": "Billing", "expr": 'team:errors{team="billing"} > 1', "for": "2m"},
    ]
    objects = rule_objects(rules)
    translation = run_translators(
        [Inventory(None, "prometheus", "", "", objects)], sample_mappings(), check_payload=lambda *_: []
    )
    by_name = {o.ref.name: translation.ledger.get(o.ref.key) for o in objects if o.ref.kind == "alerting_rule"}
    queries = {r.source_refs[0].name: r.payload["query"] for r in translation.resources}
    burn = by_name["Burn"]
    assert burn is not None and "promql.recording_rule_ambiguous" in {f.code for f in burn.findings}
    write = by_name["BurnWrite"]
    assert write is not None and "promql.recording_rule_ambiguous" not in {f.code for f in write.findings}
    assert "{code:5xx}" in queries["BurnWrite"] and "verb" not in queries["BurnWrite"]
    assert "team" not in queries["Payments"]  # not `errors.count{team:payments}`: the series have no such tag
    billing = by_name["Billing"]
    assert billing is not None and billing.outcome is Outcome.MANUAL
    assert "promql.recording_rule_labels" in {f.code for f in billing.findings}


def test_monitor_metadata_lists_source_metrics() -> None:
    objects = rule_objects([{"alert": "A", "expr": "x > 1", "for": "5m"}])

    def fake(expr: str, ctx: QueryContext) -> QueryResult:
        result = fake_result(expr, {"expression": "avg:techcorp.x{*}", "op": ">", "threshold": 1})
        result.source_metrics = ["x_total", "x_total", "a"]
        return result

    env = TranslateEnv(QueryContext(sample_mappings()), Ledger())
    (monitor,) = translate_rules(objects, env, translate=fake)
    assert monitor.metadata == {"source_metrics": ["a", "x_total"]}


@pytest.mark.parametrize(
    ("layer", "tag", "scope"),
    [
        (None, "endpoint", "endpoint:*://10.0.0.5:8080/*"),
        ("prometheus:\n  label_tags:\n    instance: host\n", "host", "host:10.0.0.5:8080"),
    ],
)
def test_instance_becomes_the_mapped_tag_in_monitors(tmp_path: Path, layer: str | None, tag: str, scope: str) -> None:
    """With the real PromQL translator: `endpoint` by default, `host` where an operator's layer says so."""
    if layer is not None:
        (tmp_path / "layer.yaml").write_text(layer)
    rules = [
        {
            "alert": "Busy",
            "expr": 'max by (instance) (inflight{instance="10.0.0.5:8080"}) > 100',
            "for": "5m",
            "labels": {"severity": "critical"},
            "annotations": {"summary": "{{ $labels.instance }} is busy"},
        }
    ]
    env = TranslateEnv(QueryContext(sample_mappings(*([tmp_path] if layer else []))), Ledger())
    (monitor,) = translate_rules(rule_objects(rules), env)
    assert monitor.payload["query"] == f"min(last_5m):max:techcorp.inflight{{{scope}}} by {{{tag}}} > 100"
    assert monitor.payload["name"] == f"{{{{{tag}.name}}}} is busy"
    entry = env.ledger.get(rule_objects(rules)[0].ref.key)
    assert entry is not None and entry.outcome is Outcome.APPROXIMATE
    notes = [f.message for f in entry.findings if f.code == "promql.server_label"]
    if tag == "endpoint":
        assert any("`endpoint:http://10.0.0.5:8080/metrics`" in n for n in notes), notes
        assert any(f"became `{scope}`" in n for n in notes), notes
    else:
        assert any("the host of the Agent that scrapes the target" in n for n in notes), notes


@pytest.mark.parametrize(
    ("expr", "query", "outcome", "named"),
    [
        # the reviewer's case: `rate(x[1h]) > 0 for 5m` used to need every per-interval rate in 5 minutes above 0
        (
            "sum(rate(http_requests_total[1h])) > 0",
            "min(last_5m):moving_rollup(sum:techcorp.http_requests.count{*}.as_rate(), 3600, 'avg') > 0",
            "exact",
            "",
        ),
        (
            "max(avg_over_time(node_load1[10m])) > 4",
            "min(last_5m):moving_rollup(max:techcorp.node_load1{*}, 600, 'avg') > 4",
            "approximate",
            "avg_over_time() over 10m is taken over the max of the series",
        ),
        (
            "sum(rate(node_load1[30m])) > 0",
            "min(last_5m):per_second(sum:techcorp.node_load1{*}) > 0",
            "approximate",
            "rate() over 30m became the change between consecutive points",
        ),
    ],
)
def test_range_functions_keep_their_window_in_the_real_monitor(expr: str, query: str, outcome: str, named: str) -> None:
    """With the real PromQL translator: the monitor query keeps R (moving_rollup) and passes validation, or
    alert.range_window names R, what differs and the monitor window."""
    rules = [{"alert": "A", "expr": expr, "for": "5m"}]
    env = TranslateEnv(
        QueryContext(sample_mappings(), parts={PromqlContext: PromqlContext(metric_types={"node_load1": "gauge"})}),
        Ledger(),
    )
    (monitor,) = translate_rules(rule_objects(rules), env)
    assert monitor.payload["query"] == query
    assert validate_payload("monitor", monitor.payload) == []
    entry = env.ledger.get(rule_objects(rules)[0].ref.key)
    assert entry is not None and entry.outcome.value == outcome
    found = [f.message for f in entry.findings if f.code == "alert.range_window"]
    if named:
        (message,) = found
        assert message.startswith(named) and message.endswith("(monitor window last_5m)")
    else:
        assert found == []
