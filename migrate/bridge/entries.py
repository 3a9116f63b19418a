"""The `metrics:` entries of the OpenMetrics v2 check, including for families the endpoint declares no type for.

How the check sees an exposition without `# TYPE` lines (DataDog/integrations-core, datadog_checks_base
checks/openmetrics/v2; the parser is prometheus_client's `text_fd_to_metric_families`):

- every sample whose name is not part of a declared family becomes its own family of type `unknown`, named
  by the sample: a histogram is split into `foo_bucket`, `foo_sum`, `foo_count`, a summary into `foo` (the
  quantiles), `foo_sum`, `foo_count`, a counter stays `foo_total` (`_total` is stripped only from declared
  counters);
- `metrics` keys match family names exactly, and an entry's `type` picks the transformer, whose Datadog name
  comes from the entry's `name`;
- labels are normalised by the family's *parsed* type (`labels.get_label_normalizer(metric.type)`): only a
  declared histogram gets `le` turned into `upper_bound`. The histogram transformer then reads
  `sample.labels['upper_bound']` for every `_bucket` sample (and `decumulate_histogram_buckets` does too), so an
  untyped `foo_bucket` typed `histogram` raises KeyError and aborts the instance's scrape.

So summaries and counters can be typed from their untyped parts, histograms only partly: `_sum` and `_count`
(the transformers pick the part by suffix), never the buckets, hence neither `ns.foo.bucket` nor the
distribution `ns.foo`. That is said loudly (`untyped_histograms`) instead of keying `foo_bucket`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from migrate.bridge.metrics import family, metric_types, resolve_type
from migrate.inventory.store import Inventory
from migrate.mappings import Mappings

METRIC_TYPES = frozenset({"gauge", "counter", "histogram", "summary"})  # what a `metrics` override may say
_PARTS = ("_sum", "_count")  # untyped families a histogram's or summary's transformer can still read


@dataclass
class MetricEntries:
    entries: list[Any]  # the `metrics:` list
    detail: dict[str, dict[str, Any]]  # prometheus name -> {type, override, entry, entries}
    untyped_histograms: list[dict[str, Any]] = field(default_factory=list)  # what cannot arrive, per family
    collect_counters: bool = False  # a query reads a histogram's `_sum`/`_count`: keep them with distributions


def metrics_entries(
    names: set[str], inventories: Sequence[Inventory], mappings: Mappings, translated: dict[str, str] | None = None
) -> MetricEntries:
    """Families, with `{type: ...}` where Prometheus gives no type, keyed both as the endpoint would declare
    them (`foo`) and as its untyped parts (`foo_total`, `foo_sum`, `foo_count`), each sent under the family's name."""
    types = metric_types(inventories)
    entries: dict[str, Any] = {}
    detail: dict[str, dict[str, Any]] = {}
    buckets: dict[str, list[str]] = {}  # untyped histogram family -> the bucket names queries read
    for name in sorted(names):
        kind, override = resolve_type(name, types, mappings, translated=translated, siblings=frozenset(names))
        exposed = family(name, kind)
        keys = [exposed]
        if override and kind in METRIC_TYPES:
            entries[exposed] = {exposed: {"type": kind}}
            untyped = [name] if kind == "counter" and name != exposed else []
            if kind in ("histogram", "summary"):
                untyped = [exposed + part for part in _PARTS]
                if kind == "histogram" and name != exposed + "_sum" and name != exposed + "_count":
                    buckets.setdefault(exposed, []).append(name)
            for key in untyped:
                entries[key] = {key: {"name": exposed, "type": kind}}
            keys += untyped
        else:
            entries.setdefault(exposed, exposed)
        detail[name] = {"type": kind, "override": override, "entry": exposed, "entries": keys}
    out = MetricEntries([entries[k] for k in sorted(entries)], detail)
    out.collect_counters = any(d["type"] == "histogram" and n.endswith(_PARTS) for n, d in detail.items())
    out.untyped_histograms = [
        _untyped_histogram(base, read, mappings, out.collect_counters) for base, read in sorted(buckets.items())
    ]
    return out


def _untyped_histogram(base: str, read: list[str], mappings: Mappings, collect_counters: bool) -> dict[str, Any]:
    ns = f"{mappings.namespace}." if mappings.namespace else ""
    missing = f"{ns}{base}" if mappings.distributions else f"{ns}{base}.bucket"
    what = "the distribution" if mappings.distributions else "the bucket counts"
    arrives = [f"{ns}{base}.sum", f"{ns}{base}.count"] if collect_counters or not mappings.distributions else []
    message = (
        f"`{base}` is typed histogram by ddmigrate only (Prometheus has no type for it): if its endpoint "
        f"declares no `# TYPE {base} histogram`, the Agent's parser splits it into untyped `{base}_bucket`, "
        f"`{base}_sum` and `{base}_count` families and keeps `le` unconverted, so no type override can "
        f"rebuild its buckets; {what} `{missing}` that {', '.join(f'`{r}`' for r in read)} became will NOT "
        f"arrive in Datadog (monitors and dashboards on it get no data), "
        + (f"only {' and '.join(f'`{a}`' for a in arrives)} will" if arrives else "nor will anything else")
        + f". Declare `# TYPE {base} histogram` in the exporter (then the `{base}` entry collects it)."
    )
    return {"metric": base, "read_as": read, "missing": missing, "arrives": arrives, "warning": message}
