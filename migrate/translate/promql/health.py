"""Prometheus `up` alerts → the Agent's OpenMetrics health service check (a "service check" monitor).

`up` is recorded by the Prometheus server for every scrape (1: scraped, 0: failed); no exporter exposes
it, so no Datadog metric carries it. The Agent's OpenMetrics v2 check reports the same fact as a SERVICE
CHECK: on every run and for every `openmetrics_endpoint` it submits `<namespace>.openmetrics.health`
(integrations-core, datadog_checks_base `openmetrics/v2/scraper.py`: `SERVICE_CHECK_HEALTH =
'openmetrics.health'`, submitted under the check's namespace by `base.py` `adopt_namespace`), OK when
the endpoint answered, CRITICAL when the request failed, tagged `endpoint:<url>` plus the instance's
`tags:` (bridge mode writes the target's server-side labels there, `job` as `service` per mappings).

A Datadog check alert counts consecutive statuses per group (`"check".over(tags).exclude(tags)
.by(group).last(N).count_by_status()`, `options.thresholds.critical` = CRITICAL runs in a row, N ≥ every
threshold, N ≤ 100; DataDog/datadog-api-client v1 schema "Service Check Query", docs
monitors/types/custom_check). The shapes translated, table-driven below:

| PromQL (vector side of the root comparison)   | condition              | group           | CRITICAL runs |
|-----------------------------------------------|------------------------|-----------------|---------------|
| `up{..}`                                      | == 0, < 1, <= 0, != 1  | endpoint        | `for` / 15s   |
| `min [by (l)] (up{..})`                       | same                   | endpoint (+ l)  | `for` / 15s   |
| `max|sum [by (l)] (up{..})`                   | == 0, < 1, <= 0        | l (all down)    | `for` / 15s   |
| `min_over_time(up{..}[r])`                    | same as `up`           | endpoint        | 1             |
| `max_over_time(up{..}[r])`                    | same as `up`           | endpoint        | r / 15s       |
| `avg_over_time(up{..}[r]) < t` (0 < t <= 1)   | share of failed runs   | endpoint        | > r/15s·(1-t) |
| `absent(up{..})`, `absent_over_time(up{..}[r])` | the check stops reporting (no-data alert)          |

Everything else (`count(up == 0) / count(up)`, `sum(up) > 1`, regex scopes) stays manual: service check
scopes take exact tags, and the cluster-alert query form is not something we can confirm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import promql_parser as pp

from migrate.model import Finding
from migrate.translate.ddquery import ServiceCheckQuery, number, render, tag_value
from migrate.translate.promql.guard import parse as guarded_parse
from migrate.translate.promql.vars import substitute
from migrate.translate.promql.walk import strip
from migrate.translate.query import QueryContext

CHECK = "openmetrics.health"
CHECK_INTERVAL_S = 15  # the Agent's default min_collection_interval: one status per endpoint per 15s
MAX_RUNS = 100  # `.last(N)` is limited to 100 statuses
ENDPOINT = "endpoint"

# (function, comparison) → how many of the range's runs must fail: "any" 1, "all" every run, "ratio" the share.
_RANGE = {"min_over_time": "any", "max_over_time": "all", "avg_over_time": "ratio"}
# Aggregations over `up`: min keeps per-target alerts (any target down); max/sum alert when all are down.
_AGGREGATIONS = {"min": "each", "max": "all", "sum": "all"}
_COMPARISONS = {"==", "!=", "<", "<=", ">", ">="}


@dataclass
class ServiceCheck:
    """A service check monitor query, its thresholds and what differs from the PromQL rule."""

    check: str
    over: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    group_by: list[str] = field(default_factory=list)
    failures: int = 1  # consecutive CRITICAL runs that trigger the alert
    no_data: bool = False  # absent(): alert when the check stops reporting
    findings: list[Finding] = field(default_factory=list)
    label_tags: dict[str, str] = field(default_factory=dict)  # Prometheus label → tag, for message templates

    @property
    def query(self) -> str:
        node = ServiceCheckQuery(self.check, tuple(self.over), tuple(self.exclude), tuple(self.group_by), self.failures)
        return render(node)

    @property
    def thresholds(self) -> dict[str, float]:
        # critical: CRITICAL runs in a row; ok: one good scrape resolves, as `up == 1` does in Prometheus.
        return {"critical": float(self.failures), "ok": 1.0}


class _Unsupported(Exception):
    """The expression uses `up` in a way a check alert cannot express; the message says why."""


def _down(op: str, threshold: float, *, all_down: bool) -> bool:
    """Does `up <op> threshold` mean "the target is down" (values are 0 or 1; a sum is 0 only if all are)?"""
    if op == "==":
        return threshold == 0
    if op == "<":
        return 0 < threshold <= 1
    if op == "<=":
        return 0 <= threshold < 1
    return op == "!=" and threshold == 1 and not all_down


def translate_up_alert(expr: str, ctx: QueryContext, for_seconds: float = 0.0) -> tuple[ServiceCheck | None, str]:
    """(the service check monitor for an `up` alert, "") or (None, why the rule has none)."""
    try:
        root = strip(guarded_parse(substitute(expr, ctx.variables)[0]))
        return _Builder(ctx).root(root, for_seconds), ""
    except ValueError as exc:
        return None, f"cannot parse: {exc}"
    except _Unsupported as exc:
        return None, str(exc)


class _Builder:
    def __init__(self, ctx: QueryContext) -> None:
        prom = ctx.mappings.section("prometheus")
        namespace = str(prom.get("namespace", ""))
        self.label_tags: dict[str, str | None] = prom.get("label_tags") or {}
        self.server_labels = set(prom.get("server_labels") or ctx.mappings.server_labels)
        self.default_group_by = list(ctx.default_group_by)
        self.out = ServiceCheck(f"{namespace}.{CHECK}" if namespace else CHECK)

    def root(self, node: Any, for_seconds: float) -> ServiceCheck:
        if isinstance(node, pp.Call) and node.func.name in ("absent", "absent_over_time"):
            return self.absent(strip(node.args[0]))
        if not (
            isinstance(node, pp.BinaryExpr)
            and str(node.op) in _COMPARISONS
            and isinstance(strip(node.rhs), pp.NumberLiteral)
            and (node.modifier is None or not node.modifier.return_bool)
        ):
            raise _Unsupported("the rule does not compare `up` with a number")
        op, threshold = str(node.op), float(strip(node.rhs).val)
        vector = strip(node.lhs)
        runs, all_down = self.vector(vector, op, threshold)
        self.set_failures(runs, for_seconds)
        self.out.findings.insert(
            0,
            Finding(
                "alert.service_check",
                (
                    f"`up` (recorded by the Prometheus server for each scrape) became the Agent's `{self.out.check}` "
                    "service check: one status per check run and scrape endpoint, CRITICAL when the endpoint "
                    "cannot be "
                    f"scraped; the target's `instance` is its `{ENDPOINT}` tag (the scrape URL)"
                ),
            ),
        )
        if all_down:
            self.out.findings.append(
                Finding(
                    "alert.service_check_all_down",
                    (
                        "Prometheus alerts when every target of a "
                        f"{{{', '.join(self.out.group_by) or 'whole job'}}} group "
                        "is down; Datadog counts the consecutive statuses of all the group's endpoints together, so "
                        "one "
                        "failing endpoint among healthy ones rarely, but not never, reaches the threshold"
                    ),
                )
            )
        return self.out

    def vector(self, node: Any, op: str, threshold: float) -> tuple[int, bool]:
        """(CRITICAL runs the shape itself needs, whether it alerts only when all targets are down)."""
        if isinstance(node, pp.VectorSelector):
            self.require_down(op, threshold, all_down=False)
            self.selector(node)
            self.out.group_by = self.group_tags([ENDPOINT])
            return 0, False
        if isinstance(node, pp.AggregateExpr) and str(node.op) in _AGGREGATIONS:
            inner = strip(node.expr)
            if not isinstance(inner, pp.VectorSelector):
                raise _Unsupported(f"{node.op}() over an expression of `up`")
            kind = _AGGREGATIONS[str(node.op)]
            self.require_down(op, threshold, all_down=kind == "all")
            self.selector(inner)
            tags = [self.tag(label) for label in self.aggregation_labels(node)]
            self.out.group_by = self.group_tags(tags if kind == "all" else [ENDPOINT, *tags])
            if kind == "all" and not self.out.group_by:
                raise _Unsupported(f"{node.op}(up) of every target has no group a check alert can count")
            return 0, kind == "all"
        if isinstance(node, pp.Call) and node.func.name in _RANGE:
            matrix = strip(node.args[0])
            if not isinstance(matrix, pp.MatrixSelector):
                raise _Unsupported(f"{node.func.name}() of a subquery of `up`")
            self.selector(matrix.vector_selector)
            self.out.group_by = self.group_tags([ENDPOINT])
            runs = max(1, int(matrix.range.total_seconds() // CHECK_INTERVAL_S))
            return self.range_runs(_RANGE[node.func.name], op, threshold, runs, node.func.name), False
        raise _Unsupported("`up` is used in an expression a service check monitor cannot evaluate")

    def range_runs(self, kind: str, op: str, threshold: float, runs: int, fn: str) -> int:
        if kind != "ratio":
            self.require_down(op, threshold, all_down=False)
            return 1 if kind == "any" else runs
        if op not in ("<", "<=") or not 0 < threshold <= 1:
            raise _Unsupported(f"{fn}(up) {op} {number(threshold)} is not a share of failed scrapes")
        failed = round(runs * (1 - threshold), 9)  # avg < t  <=>  failed runs > runs·(1 - t)
        needed = math.floor(failed) + 1 if op == "<" else max(1, math.ceil(failed))
        self.out.findings.append(
            Finding(
                "alert.service_check_ratio",
                (
                    f"{fn}(up) {op} {number(threshold)} ({'more than' if op == '<' else 'at least'} "
                    f"{number(round(failed, 2))} of {runs} scrapes failed, in any order) became {needed} consecutive "
                    "CRITICAL runs"
                ),
            )
        )
        return needed

    def require_down(self, op: str, threshold: float, *, all_down: bool) -> None:
        if not _down(op, threshold, all_down=all_down):
            raise _Unsupported(f"`{op} {number(threshold)}` on `up` does not mean the targets are down")

    def set_failures(self, shape_runs: int, for_seconds: float) -> None:
        """A range function fixes the runs itself (`for` on top of it is not counted); otherwise `for` does."""
        runs = shape_runs or max(1, math.ceil(for_seconds / CHECK_INTERVAL_S))
        if shape_runs and for_seconds > 0:
            self.out.findings.append(
                Finding(
                    "alert.service_check_runs",
                    (
                        f"`for: {number(for_seconds)}s` on top of the range function is not counted: the alert "
                        "fires on "
                        f"the first {min(runs, MAX_RUNS)} CRITICAL runs in a row"
                    ),
                )
            )
        elif for_seconds > 0:
            self.out.findings.append(
                Finding(
                    "alert.service_check_runs",
                    (
                        f"`for: {number(for_seconds)}s` became {min(runs, MAX_RUNS)} consecutive CRITICAL runs (the "
                        "Agent "
                        f"checks each endpoint every {CHECK_INTERVAL_S}s by default; a longer min_collection_interval "
                        "stretches it)"
                    ),
                )
            )
        if runs > MAX_RUNS:
            self.out.findings.append(
                Finding(
                    "alert.service_check_runs_clamped",
                    (
                        f"{runs} consecutive runs exceed the {MAX_RUNS} statuses a check alert can count; using "
                        f"{MAX_RUNS}"
                    ),
                )
            )
        self.out.failures = min(runs, MAX_RUNS)

    def absent(self, node: Any) -> ServiceCheck:
        if isinstance(node, pp.MatrixSelector):
            node = node.vector_selector
        if not isinstance(node, pp.VectorSelector):
            raise _Unsupported("absent() of an expression of `up`")
        self.selector(node)
        scoped = [t.split(":", 1)[0] for t in self.out.over]
        self.out.group_by = self.group_tags(scoped or [ENDPOINT])
        self.out.no_data = True
        self.out.findings.insert(
            0,
            Finding(
                "alert.service_check_absent",
                (
                    f"absent(up) (no scrape target left) became no-data alerting on the Agent's `{self.out.check}` "
                    "service check: Datadog notifies when the check stops reporting for the scope, e.g. the Agent "
                    "or its "
                    "OpenMetrics instance is gone; it cannot see a target Prometheus service discovery stopped finding"
                ),
            ),
        )
        return self.out

    # --- labels -------------------------------------------------------------------------------
    def tag(self, label: str) -> str:
        if label == "instance":
            self.out.label_tags[label] = ENDPOINT
            return ENDPOINT
        mapped = self.label_tags.get(label, label)
        if mapped is None:
            raise _Unsupported(f"`{label}` is mapped to nothing in Datadog, so the check cannot be scoped by it")
        if label in self.server_labels:
            self.out.findings.append(
                Finding(
                    "alert.service_check_server_label",
                    (
                        f"`{label}` (added by the Prometheus server) is the `{mapped}` tag bridge mode writes on "
                        "each Agent "
                        "instance; an instance configured by hand needs the same tag"
                    ),
                )
            )
        else:
            self.out.findings.append(
                Finding(
                    "alert.service_check_target_labels",
                    (
                        f"the target label `{label}` is a `{mapped}` tag of the service check only when the Agent "
                        "instance "
                        "carries it in `tags:` (bridge mode writes every target label there)"
                    ),
                )
            )
        self.out.label_tags[label] = mapped
        return mapped

    def selector(self, node: Any) -> None:
        if node.name != "up" or node.offset is not None or node.at is not None or node.matchers.or_matchers:
            raise _Unsupported("not a plain `up{...}` selector")
        for m in node.matchers.matchers:
            if m.name == "instance":
                raise _Unsupported(
                    f"{m}: `instance` is host:port, the service check's `{ENDPOINT}` tag is the full scrape URL"
                )
            if m.op not in (pp.MatchOp.Equal, pp.MatchOp.NotEqual) or not m.value:
                raise _Unsupported(f"{m}: service check scopes take exact tags, not regular expressions")
            term = f"{self.tag(m.name)}:{tag_value(m.value)}"
            (self.out.over if m.op == pp.MatchOp.Equal else self.out.exclude).append(term)

    def aggregation_labels(self, node: Any) -> list[str]:
        modifier = node.modifier
        if modifier is None:
            return []
        if modifier.type == pp.AggModifierType.Without:
            raise _Unsupported("without (...) keeps labels a service check does not have")
        return list(modifier.labels)

    def group_tags(self, tags: list[str]) -> list[str]:
        """Group tags: the given ones plus the tags of the labels the annotations print, each once."""
        out: list[str] = []
        for tag in [*tags, *(self.tag(label) for label in self.default_group_by)]:
            if tag not in out:
                out.append(tag)
        return out
