"""LANGUAGES: the query languages ddmigrate translates, by name. The pipeline's translators and
`translate-query --lang` both look a language up here, so adding one (NRQL) is one entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from migrate.errors import UsageError
from migrate.translate.promql.translate import selector_names, translate_promql
from migrate.translate.query import QueryContext, QueryResult

QueryTranslator = Callable[[str, QueryContext], QueryResult]


@dataclass(frozen=True)
class Language:
    name: str
    translate: QueryTranslator
    # The metric names an expression selects, which `translate-query --type T` declares of type T.
    selected_metrics: Callable[[str], list[str]]
    # The finding code a translation carries when the text does not parse (`translate-query` exits 1 on it).
    parse_error_code: str


LANGUAGES: dict[str, Language] = {
    "promql": Language("promql", translate_promql, selector_names, "promql.parse_error"),
}


def language(name: str) -> Language:
    if name not in LANGUAGES:
        raise UsageError(f"unknown language {name!r}", hint=f"choose one of: {', '.join(sorted(LANGUAGES))}")
    return LANGUAGES[name]
