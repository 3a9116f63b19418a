"""The query languages ddmigrate translates, by name (`translate-query --lang`, object translators)."""

from __future__ import annotations

from collections.abc import Callable

from migrate.translate.promql.translate import translate_promql
from migrate.translate.query import QueryContext, QueryResult

Translator = Callable[[str, QueryContext], QueryResult]

LANGUAGES: dict[str, Translator] = {
    "promql": translate_promql,
}
