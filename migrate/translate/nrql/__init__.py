"""NRQL: tokenizer, parser into a typed tree, and the tree written back as NRQL.

Self-contained on purpose: nothing here imports the rest of migrate.translate, so the NRQL → Datadog
translator can be built on it without this package knowing about Datadog.
"""

from migrate.translate.nrql import ast
from migrate.translate.nrql.cursor import MAX_DEPTH
from migrate.translate.nrql.errors import NrqlSyntaxError
from migrate.translate.nrql.parser import parse_nrql

__all__ = ["MAX_DEPTH", "NrqlSyntaxError", "ast", "parse_nrql"]
