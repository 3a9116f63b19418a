"""Two source labels that would land on one Datadog tag key.

`label_tags` maps `job` to `service`; an exporter that also exposes a label `service` sends it under `service`
too, and a query filtering on both writes the contradictory scope `{service:a,service:b}` (and the series
carry both values). Found from the mappings alone, before any query: a key `label_tags` maps a label to belongs
to that label; an unmapped label of the same name is kept under `<prometheus.collision_prefix><key>` instead
(default `prom_`: `prom_service`), by the queries and by bridge mode's `rename_labels` alike. Mapping that
label in `label_tags` chooses its key instead. Two labels `label_tags` maps to one key on purpose (`node` and
`instance` to `host`) stay so; a query filtering on both is noted (selectors.py, `promql.tag_collision`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from migrate.mappings import Mappings

COLLISION_PREFIX = "prom_"


class Collision(NamedTuple):
    key: str  # the tag key the label is kept under
    shared: str  # the key it would have shared
    owner: str  # the label that owns the shared key


def tag_collisions(
    label_tags: Mapping[str, str | None], server_labels: Iterable[str], prefix: str = COLLISION_PREFIX
) -> dict[str, Collision]:
    """Source label -> the tag key it is kept under because another label already maps to its key."""
    servers = set(server_labels)
    out: dict[str, Collision] = {}
    claimed: dict[str, str] = {}  # tag key -> the label that owns it
    for label in sorted(label_tags, key=lambda name: (name not in servers, name)):
        tag = label_tags[label]
        if tag is not None:
            claimed.setdefault(tag, label)  # two labels mapped to one key on purpose: the operator's choice
    for tag, label in claimed.items():  # an exporter label named like a claimed key, not mapped itself
        if tag != label and tag not in label_tags:
            out[tag] = Collision(prefix + tag, tag, label)
    return out


def collisions_of(mappings: Mappings) -> dict[str, Collision]:
    """`tag_collisions` for the mappings' labels, server labels and prefix."""
    prefix = str(mappings.section("prometheus").get("collision_prefix") or COLLISION_PREFIX)
    return tag_collisions(mappings.label_tags, mappings.server_labels, prefix)


def effective_label_tags(mappings: Mappings) -> dict[str, str | None]:
    """label -> tag key as the queries write it: `label_tags` plus the labels kept apart (message templates,
    template variables and bridge mode read the same)."""
    return {**mappings.label_tags, **{label: c.key for label, c in collisions_of(mappings).items()}}
