"""What PromQL translation knows about the Prometheus deployment: metric types from collected metadata and
the recording rules to inline. The Prometheus front end fills it from its inventory
(`translate/prometheus/context.py`); every translator that reads PromQL (rules, Grafana panels) finds it in
`QueryContext.part(PromqlContext)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from migrate.translate.query import QueryContext


@dataclass
class PromqlContext:
    metric_types: dict[str, str] = field(default_factory=dict)  # collected metadata: name -> type
    recording_rules: dict[str, str] = field(default_factory=dict)  # record name -> first expression
    # record name -> every definition's (static labels, expression), in rule order; the `labels:` a recording
    # rule sets tell apart definitions of one name (kube-prometheus' `verb: read` / `verb: write`)
    recording_definitions: dict[str, list[tuple[dict[str, str], str]]] = field(default_factory=dict)
    # every metric name the deployment's expressions select: a `_sum`/`_count` is a histogram's part only when
    # its family has another part here (promql/tables.family_part)
    metric_names: frozenset[str] = frozenset()
    # labels the collected scrape configs' relabel rules write (`target_label`): the Prometheus server adds them,
    # the Agent's series do not carry them (beside mappings prometheus.server_labels)
    relabelled: frozenset[str] = frozenset()


def declare_types(ctx: QueryContext, names: list[str], metric_type: str) -> None:
    """`translate-query --type T`: the selected metrics are of type T."""
    ctx.part(PromqlContext).metric_types.update(dict.fromkeys(names, metric_type))
