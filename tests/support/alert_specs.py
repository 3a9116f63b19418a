"""Read an `AlertSpec` from plain data (tests/cases/monitors_build.yaml, the toy source).

The condition is Datadog query text read by the query tree's own reader (`ddquery.parse_monitor`; a formula
monitor's named queries under `variables`), so a row states the tree in the form a reviewer can check;
everything else uses the dataclasses' field names.
"""

from __future__ import annotations

from typing import Any

from migrate.model import SourceRef
from migrate.translate.ddquery import parse_monitor, parse_query
from migrate.translate.specs.alert import AlertSpec, AnomalyWindows, Manual, NoData, Original, Thresholds
from tests.support.check_specs import message


def alert_spec(data: dict[str, Any], refs: tuple[SourceRef, ...]) -> AlertSpec:
    data = dict(data)
    condition = data.pop("condition", None)
    variables = {str(k): parse_query(str(v)) for k, v in (data.pop("variables", None) or {}).items()}
    manual = data.pop("manual", None)
    anomaly = data.pop("anomaly", None)
    if manual is not None:
        originals = tuple(
            Original(o["language"], o["ref_key"], o["text"], tuple(o.get("details", ())))
            for o in manual.pop("originals", [])
        )
        manual = Manual(originals=originals, **manual)
    return AlertSpec(
        refs=refs,
        name=str(data.pop("name")),
        condition=None if condition is None else parse_monitor(condition, variables or None),
        thresholds=Thresholds(**(data.pop("thresholds", None) or {})),
        no_data=NoData(**(data.pop("no_data", None) or {})),
        anomaly=None if anomaly is None else AnomalyWindows(**anomaly),
        message=message(data.pop("message", None) or {}),
        tags=tuple(data.pop("tags", ())),
        manual=manual,
        source_metrics=tuple(data.pop("source_metrics", ())),
        **data,  # scalars: window_note, require_full_window, evaluation_delay_s, renotify_minutes, ...
    )
