"""Settings the packaged mappings leave to the operator, and what translate did without them.

The defaults name no organisation (no namespace, no routing): a company's own would make a newcomer's
monitors query another company's metrics and page its on-call. When a translation needed one that no
layer set, every object it affected gets an informational finding (its outcome is unchanged: the
payload is what Datadog and the Agent do without the setting) and `translate` prints one line per code.

- `mappings.no_namespace`: no `prometheus.namespace`. The OpenMetrics check's scraper reads a missing
  `namespace` as "" (DataDog/integrations-core, openmetrics v2 `base_scraper.py`), so metrics arrive
  unprefixed (`http_requests.count`), as with Autodiscovery's `prometheus.io/scrape` configs.
- `mappings.no_routing`: no `routing` rules: the monitors of Prometheus alerts carry no `@` handle and
  notify no one (Datadog still shows their state).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from migrate.ledger import Ledger
from migrate.mappings import Mappings
from migrate.model import Finding, LedgerEntry, Outcome


@dataclass(frozen=True)
class Unset:
    code: str
    missing: Callable[[Mappings], bool]
    affects: Callable[[LedgerEntry], bool]  # an entry whose resources were built without the setting
    finding: str  # the entry's finding
    notice: str  # the terminal line, after "<n> objects"


def _built(entry: LedgerEntry, sources: Iterable[str], kinds: Iterable[str] | None = None) -> bool:
    return bool(entry.targets) and entry.ref.source in sources and (kinds is None or entry.ref.kind in kinds)


UNSET: tuple[Unset, ...] = (
    Unset(
        "mappings.no_namespace",
        lambda m: not m.namespace_set,
        # PromQL queries name bridged metrics: Prometheus alerts and Grafana panels
        lambda e: _built(e, ("prometheus", "grafana"), ("alerting_rule", "dashboard")),
        "no prometheus.namespace in the mappings: metric names carry no prefix, as the OpenMetrics check "
        "submits them without one",
        "use Prometheus metrics without a namespace (no prometheus.namespace in the mappings, so no prefix, "
        "the OpenMetrics check's default); set yours in a --mappings DIR layer (`''` for none)",
    ),
    Unset(
        "mappings.no_routing",
        lambda m: not m.routing,
        lambda e: _built(e, ("prometheus",), ("alerting_rule",)),
        "no routing rules in the mappings: the monitor notifies no one",
        "notify no one (no routing rules in the mappings); add `routing` in a --mappings DIR layer",
    ),
)


def note_unset(ledger: Ledger, mappings: Mappings) -> Ledger:
    """The ledger with each affected entry's informational finding added (a new Ledger: entries are set)."""
    missing = [u for u in UNSET if u.missing(mappings)]
    if not missing:
        return ledger
    entries = []
    for entry in ledger:
        extra = [Finding(u.code, u.finding, Outcome.EXACT) for u in missing if u.affects(entry)]
        entries.append(replace(entry, findings=[*entry.findings, *extra]) if extra else entry)
    return Ledger(entries)


def notices(ledger: Ledger) -> list[str]:
    """One line per unset setting that affected something, with how many objects."""
    counts = Counter(f.code for e in ledger for f in e.findings if f.code.startswith("mappings."))
    return [f"note: {counts[u.code]} objects {u.notice} [{u.code}]" for u in UNSET if counts[u.code]]
