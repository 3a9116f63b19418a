"""Values as Datadog writes them: tag values (lowercased, restricted characters) and numbers."""

from __future__ import annotations

import math
import re
from decimal import Decimal

# Datadog lowercases tag values on intake; these are the characters it keeps (others become `_`).
_TAG_VALUE_BAD = re.compile(r"[^a-z0-9_\-:./*]")


def tag_value(value: str) -> str:
    """A label value as Datadog stores it: lowercased, unsupported characters replaced by `_`."""
    return _TAG_VALUE_BAD.sub("_", value.lower())


def number(value: float) -> str:
    """A number as it appears in a Datadog formula (`100`, not `100.0`)."""
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def threshold_text(value: float) -> str:
    """A monitor threshold: plain decimal (never exponent notation) so the monitor parser and humans read it
    the same."""
    if float(value).is_integer():
        return str(int(value))
    return format(Decimal(repr(float(value))), "f")
