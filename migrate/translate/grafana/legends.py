"""A target's `legendFormat` → the Datadog formula's alias.

Grafana fills `{{label}}` per series; a Datadog alias is one text for the whole formula (docs dashboards/widgets/
timeseries, "Metric aliasing": the alias replaces the formula's name) and Datadog names each series of a grouped
query by its group tags (`device:sda`) beside that name. So:
- a static legend is the alias;
- a legend that is only `{{label}}` templates (with separators) gets no alias: Datadog's own series names show
  the group tags, the same labels (noted, and approximate where a label is not among the group tags);
- static text with templates keeps the text as the alias (`{{device}} read` is `read`, so two targets stay
  apart), and the finding says the values now come from the tags beside it, not from inside the text.
"""

from __future__ import annotations

import re

from migrate.model import Finding, Outcome

CODE = "grafana.legend_template"
_TEMPLATE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_SEPARATORS = " \t-:|/,;=()[]@"
ALIAS_LIMIT = 100


def legend_labels(legend: str) -> list[str]:
    """The labels a legend template shows (`{{device}} read` shows `device`), in order."""
    return list(dict.fromkeys(_TEMPLATE.findall(legend)))


def legend_alias(
    legend: str, group_by: list[str], label_tags: dict[str, str | None], ref: str
) -> tuple[str, list[Finding]]:
    """(alias or "", findings) for one target's legend; `group_by` are the Datadog tags its series carry and
    `label_tags` how labels become tag keys."""
    legend = legend.strip()
    if not legend or legend == "__auto":
        return "", []
    labels = _TEMPLATE.findall(legend)
    if not labels:
        if "{{" in legend:  # a template Grafana itself would not fill: keep nothing rather than show it raw
            return "", [Finding(CODE, f"{ref}: legend {legend!r} is not a `{{{{label}}}}` template; dropped")]
        return legend[:ALIAS_LIMIT], []
    tags = [label_tags.get(x, x.lower()) for x in labels]
    missing = [x for x, tag in zip(labels, tags, strict=True) if tag is None or tag not in group_by]
    static = _TEMPLATE.sub(" ", legend)
    alias = " ".join(static.split()).strip(_SEPARATORS)
    shown = ", ".join(f"`{t}`" for t in tags if t) or "none"
    if missing:
        message = (
            f"{ref}: legend {legend!r}: {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not among the series' group tags "
            f"({', '.join(group_by) or 'not grouped'}), so the series cannot be told apart by "
            f"{'it' if len(missing) == 1 else 'them'}"
        )
        outcome = Outcome.APPROXIMATE
    elif alias:
        message = (
            f"{ref}: legend {legend!r} became the alias {alias!r}: a Datadog alias has no per-series templates, "
            f"each series shows its group tags ({shown}) beside it instead"
        )
        outcome = Outcome.EXACT
    else:
        message = f"{ref}: legend {legend!r}: no alias, Datadog names each series by its group tags ({shown})"
        outcome = Outcome.EXACT
    return alias[:ALIAS_LIMIT], [Finding(CODE, message, outcome)]
