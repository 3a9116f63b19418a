"""The sample company's mapping rules (TechCorp's namespace, metric types and routing), as a test layer.

The packaged defaults name no company; tests whose expectations were written for TechCorp's sample
(`techcorp.*` metrics, `@pagerduty-payments-oncall`) layer the same directory `make demo` passes with
`--mappings`, so their expected strings stay as they are.
"""

from __future__ import annotations

from pathlib import Path

from migrate.mappings import Mappings, load_mappings

SAMPLE_MAPPINGS = Path(__file__).resolve().parents[2] / "inventories" / "sample" / "mappings"


def sample_mappings(*layers: Path) -> Mappings:
    """The packaged defaults, the sample company's layer, then `layers` (later wins per key)."""
    return load_mappings([SAMPLE_MAPPINGS, *layers])
