"""Which APM service each New Relic object belongs to, so its Datadog resources say so (`service:` tags,
`metadata.services`) and a phase can take one service at a time (`{source: newrelic, service: NAME}`).

Membership is the collector's own `--service NAME` rule (migrate/sources/newrelic/selection.py), run once
per APM application of the inventory: a phase selecting a service takes exactly what
`ddmigrate collect newrelic --service NAME` would have collected, so the two can never disagree. An
inventory without APM applications (dashboard or condition files) names no service.

The service is the appName as the APM mapping writes it (`newrelic.apm.tags.appName`, by default
`service`, the value lowercased as Datadog stores tags): the same tag the translated queries filter on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from migrate.inventory.store import InventoryObject
from migrate.model import DesiredResource
from migrate.sources.newrelic.selection import Selection, select
from migrate.translate.ddquery.values import tag_value
from migrate.translate.nrql.family import tag_key
from migrate.translate.nrql.rules import NrqlContext
from migrate.translate.query import QueryContext

# The kinds a Datadog resource is made from; policies, workflows and channels are shared by many services.
RESOURCE_KINDS = frozenset({"dashboard", "nrql_condition", "synthetic_monitor"})


@dataclass(frozen=True)
class Services:
    tag_key: str | None  # None: the mappings give appName no Datadog tag
    of: dict[str, tuple[str, ...]] = field(default_factory=dict)  # inventory key -> Datadog service names

    def names(self, keys: Sequence[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s for k in keys for s in self.of.get(k, ())))

    def tags(self, keys: Sequence[str]) -> tuple[str, ...]:
        if self.tag_key is None:
            return ()
        return tuple(f"{self.tag_key}:{s}" for s in self.names(keys))

    def mark(self, resource: DesiredResource) -> None:
        """`metadata.services`: dashboards have no free-form tags, so this (never sent to Datadog) is what a
        phase's `service` selector reads for every type."""
        names = self.names([r.key for r in resource.source_refs])
        if names:
            resource.metadata["services"] = list(names)


def services_of(objects: Sequence[InventoryObject], ctx: QueryContext) -> Services:
    rules = ctx.part(NrqlContext).rules(ctx)
    apps = sorted({o.ref.name for o in objects if o.ref.kind == "apm_application"})
    found: dict[str, list[str]] = {}
    listed = list(objects)
    for app in apps:
        name = tag_value(app)
        for obj in select(listed, Selection(services=(app,))):
            if obj.ref.kind in RESOURCE_KINDS and name not in found.setdefault(obj.ref.key, []):
                found[obj.ref.key].append(name)
    return Services(tag_key("appName", (rules.apm.tags,)), {k: tuple(v) for k, v in found.items()})
