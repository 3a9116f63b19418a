"""What `ddmigrate parity` compares in the sample company's translation, its tolerances and its window."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate.cli import main
from migrate.commands.parity import parity_window
from migrate.errors import ConfigError
from migrate.mappings import Mappings, load_mappings
from migrate.parity.compare import Tolerance
from migrate.parity.composite import CompositeTarget
from migrate.parity.condition import Condition, split_condition
from migrate.parity.run import tolerance_for
from migrate.parity.targets import Target, find_targets
from migrate.translate.ddquery import render
from migrate.translate.ddquery.composite import render_composite
from migrate.translate.store import read_translation

SAMPLE = Path(__file__).resolve().parents[2] / "inventories" / "sample" / "sources"


@pytest.fixture(scope="module")
def sample_targets(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[list[Target], dict[str, str], list[CompositeTarget]]:
    work = tmp_path_factory.mktemp("sample")
    for source in ("prometheus", "grafana"):
        assert main(["collect", source, "--from-files", str(SAMPLE / source), "--out", str(work / source)]) == 0
    inventories = ["--inventory", str(work / "prometheus"), "--inventory", str(work / "grafana")]
    assert main(["translate", *inventories, "--out", str(work / "translation")]) == 0
    translation = read_translation(work / "translation")
    return find_targets(translation.resources, translation.ledger)


Found = tuple[list[Target], dict[str, str], list[CompositeTarget]]


def test_sample_monitors_and_widgets_are_paired_with_their_promql(sample_targets: Found) -> None:
    targets, skipped, _ = sample_targets
    by_key = {t.key: t for t in targets}
    kinds = {t.kind for t in targets}
    assert kinds == {"monitor", "widget"} and len(targets) >= 40
    backlog = by_key["prometheus/alerting_rule/billing.rules.yml/billing.alerts/BillingInvoiceQueueBacklog#2"]
    assert backlog.promql == "max(billing_invoice_queue_depth) > 20000"
    assert backlog.condition == Condition(">", 20000) and backlog.alertname == "BillingInvoiceQueueBacklog"
    # the warning rule merged into the same monitor keeps its own threshold
    assert by_key[backlog.key.removesuffix("#2")].condition == Condition(">", 5000)
    # a panel's template variable takes the dashboard default on both sides
    panel = by_key["grafana/panel/techcorp-billing/2"]
    assert 'job=~"billing-worker"' in panel.promql
    assert "{service:billing-worker}" in render(panel.formula.inline())
    # a panel with two Prometheus targets gives two comparisons
    assert "grafana/panel/techcorp-payment-gateway/7#B" in by_key
    assert all("absent" not in t.promql for t in targets)
    assert any("not a metric monitor" in reason for reason in skipped.values())


def test_the_sample_composite_is_compared_part_by_part_and_as_a_whole(sample_targets: Found) -> None:
    targets, skipped, composites = sample_targets
    key = "prometheus/alerting_rule/platform-prometheusrule.yaml/platform.nodes/NodeDiskWillFillIn4Hours"
    assert key not in skipped and not any("composite" in reason for reason in skipped.values())
    (composite,) = [c for c in composites if c.key == key]
    assert render_composite(composite.expression) == "a && !b" and composite.alertname == "NodeDiskWillFillIn4Hours"
    assert composite.group_tags == ["endpoint", "mountpoint"]
    by_key = {t.key: t for t in targets}
    a, b = by_key[f"{key}#a"], by_key[f"{key}#b"]
    assert (a, b) == (composite.parts["a"], composite.parts["b"])
    # each part against the operand the translator made it from, with its own comparison
    assert a.promql.startswith("predict_linear(") and a.condition == Condition("<=", 0.0)
    assert b.promql == "node_filesystem_readonly == 1" and b.condition == Condition("==", 1.0)
    assert a.ledger_key == b.ledger_key == key and a.alertname is None  # ALERTS record the rule, not a part


def test_tolerance_is_the_loosest_of_the_findings_listed() -> None:
    mappings = load_mappings()
    default = tolerance_for((), mappings)
    assert default == Tolerance(relative=0.01, absolute=1e-9, missing=0.02)
    assert tolerance_for(("promql.irate_as_rate", "promql.server_label"), mappings).relative == 0.5
    layered = Mappings(data={"parity": {"tolerance": {"relative": 0.1}, "findings": {"x.y": {"missing": 0.5}}}})
    assert tolerance_for(("x.y",), layered) == Tolerance(relative=0.1, absolute=1e-9, missing=0.5)


def test_conditions_split_on_either_side() -> None:
    assert split_condition("sum(x) > 0.5") == ("sum(x{})", Condition(">", 0.5))  # as promql-parser writes it
    assert split_condition("0.05 < sum(x)") == ("sum(x{})", Condition(">", 0.05))
    assert split_condition("sum(a) > sum(b)") is None
    assert split_condition("sum(x) > bool 1") is None


def test_parity_window() -> None:
    assert parity_window("2h", None, None, 86400, 10_000) == (2800, 10_000)
    assert parity_window(None, None, None, 3600, 10_000) == (6400, 10_000)
    assert parity_window(None, "2026-01-01T00:00:00Z", "1767229200", 0, 0) == (1767225600, 1767229200)
    with pytest.raises(ConfigError, match="empty"):
        parity_window(None, "200", "100", 0, 0)
    with pytest.raises(ConfigError, match="not a duration"):
        parity_window("soon", None, None, 0, 0)
