"""legendFormat → alias (migrate/translate/grafana/legends.py): what is kept, and the finding that names the rest."""

from __future__ import annotations

import pytest

from migrate.model import Outcome
from migrate.translate.grafana.legends import CODE, legend_alias

TAGS: dict[str, str | None] = {"instance": "endpoint", "job": None}


@pytest.mark.parametrize(
    ("legend", "group_by", "alias", "outcome"),
    [
        ("p99", [], "p99", None),
        ("", ["device"], "", None),
        ("__auto", [], "", None),
        ("{{device}}", ["device"], "", Outcome.EXACT),
        ("{{ device }} - {{mode}}", ["device", "mode"], "", Outcome.EXACT),
        ("{{device}} read", ["device"], "read", Outcome.EXACT),
        ("Written: {{device}}", ["device"], "Written", Outcome.EXACT),
        ("{{instance}} cpu", ["endpoint"], "cpu", Outcome.EXACT),  # a label is read as the tag it maps to
        ("{{instance}}", [], "", Outcome.APPROXIMATE),
        ("{{job}} errors", ["service"], "errors", Outcome.APPROXIMATE),  # a label with no tag at all
        ("{{$labels.x}}", [], "", Outcome.APPROXIMATE),
    ],
)
def test_legend_alias(legend: str, group_by: list[str], alias: str, outcome: Outcome | None) -> None:
    got, findings = legend_alias(legend, group_by, TAGS, "A")
    assert got == alias
    assert [f.outcome for f in findings] == ([outcome] if outcome else [])
    assert all(f.code == CODE and f.message.startswith("A: ") for f in findings)
