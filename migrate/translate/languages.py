"""LANGUAGES: the query languages ddmigrate translates, by name. The pipeline's translators and
`translate-query --lang` both look a language up here, so adding one (NRQL) is one entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from migrate.errors import UsageError
from migrate.translate.nrql.translate import PARSE_ERROR as NRQL_PARSE_ERROR
from migrate.translate.nrql.translate import translate_nrql
from migrate.translate.promql.context import declare_types
from migrate.translate.promql.translate import selector_names, translate_promql
from migrate.translate.query import QueryContext, QueryResult

QueryTranslator = Callable[[str, QueryContext], QueryResult]


@dataclass(frozen=True)
class Language:
    name: str
    translate: QueryTranslator
    # `translate-query --type T`: declare the metrics the expression selects of type T in the context.
    declare_types: Callable[[QueryContext, str, str], None]
    # The finding code a translation carries when the text does not parse (`translate-query` exits 1 on it).
    parse_error_code: str


def _promql_types(ctx: QueryContext, expression: str, metric_type: str) -> None:
    declare_types(ctx, selector_names(expression), metric_type)


LANGUAGES: dict[str, Language] = {
    "promql": Language("promql", translate_promql, _promql_types, "promql.parse_error"),
    # NRQL names no metric types: `--type` has nothing to declare.
    "nrql": Language("nrql", translate_nrql, lambda ctx, expression, metric_type: None, NRQL_PARSE_ERROR),
}


def language(name: str) -> Language:
    if name not in LANGUAGES:
        raise UsageError(f"unknown language {name!r}", hint=f"choose one of: {', '.join(sorted(LANGUAGES))}")
    return LANGUAGES[name]
