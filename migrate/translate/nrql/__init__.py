"""NRQL: tokenizer, parser into a typed tree, and the tree written back as NRQL.

    tree = parse_nrql("SELECT count(*) FROM Transaction FACET appName SINCE 1 day ago")
    tree.facet[0].alternatives[0] == ast.Identifier("appName")
    to_nrql(tree)  # canonical text; parse_nrql(to_nrql(tree)) == tree

Self-contained on purpose: nothing here imports the rest of migrate.translate, so the NRQL → Datadog
translator can be built on it without this package knowing about Datadog. ``dump`` renders a tree
as compact S-expressions (the case table in tests/cases/nrql_parse.yaml is written in it).
"""

from migrate.translate.nrql import ast
from migrate.translate.nrql.cursor import MAX_DEPTH
from migrate.translate.nrql.errors import NrqlSyntaxError
from migrate.translate.nrql.parser import parse_nrql
from migrate.translate.nrql.render import to_nrql

__all__ = ["MAX_DEPTH", "NrqlSyntaxError", "ast", "parse_nrql", "to_nrql"]
