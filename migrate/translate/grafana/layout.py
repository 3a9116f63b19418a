"""Grafana's 24-column gridPos → Datadog's 12-column ordered layout.

Column edges are mapped (x/2, rounded half up) rather than widths, so panels that touch in Grafana
still touch in Datadog and never overlap. Vertical placement replays Grafana's own gravity: each
widget sits on the highest free row under its columns, in Grafana's reading order (y, then x), so
order and relative heights survive. Rows become group widgets whose children are laid out the same
way, relative to the group.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from migrate.translate.specs.dashboard import Layout, WidgetKind, WidgetSpec

GRAFANA_COLUMNS = 24
DATADOG_COLUMNS = 12


def _half_up(value: float) -> int:
    return int(value + 0.5)


@dataclass
class Placed:
    """A widget with the Grafana grid it came from."""

    widget: WidgetSpec
    grid: dict[str, int]  # Grafana x, y, w, h
    children: list[Placed] = field(default_factory=list)  # only for groups


def to_columns(x: int, w: int) -> tuple[int, int]:
    """Datadog (x, width) for a Grafana (x, w)."""
    x = max(0, min(GRAFANA_COLUMNS - 1, x))
    right = max(x + 1, min(GRAFANA_COLUMNS, x + w))
    dd_x = _half_up(x * DATADOG_COLUMNS / GRAFANA_COLUMNS)
    dd_right = _half_up(right * DATADOG_COLUMNS / GRAFANA_COLUMNS)
    dd_x = min(dd_x, DATADOG_COLUMNS - 1)
    return dd_x, max(1, dd_right - dd_x)


def to_height(h: int, divisor: float) -> int:
    return max(1, _half_up(h / divisor))


def pack(items: list[Placed], divisor: float) -> tuple[list[WidgetSpec], int]:
    """The widgets with their Datadog layouts (a group's children inside it), and the total height they take."""
    skyline = [0] * DATADOG_COLUMNS
    widgets: list[WidgetSpec] = []
    for item in sorted(items, key=lambda p: (p.grid.get("y", 0), p.grid.get("x", 0))):
        if item.widget.kind is WidgetKind.GROUP:
            x, width = 0, DATADOG_COLUMNS
            inner, inner_height = pack(item.children, divisor)
            widget = replace(item.widget, children=tuple(inner))
            height = inner_height + 1  # the group's title bar
        else:
            x, width = to_columns(item.grid.get("x", 0), item.grid.get("w", 12))
            widget, height = item.widget, to_height(item.grid.get("h", 8), divisor)
        y = max(skyline[x : x + width])
        for column in range(x, x + width):
            skyline[column] = y + height
        widgets.append(replace(widget, layout=Layout(x, y, width, height)))
    return widgets, max(skyline)
