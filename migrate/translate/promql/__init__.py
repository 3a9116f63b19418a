"""PromQL, the query language: promql-parser's AST → the Datadog query tree (`translate.translate_promql`).

One walker assembled from a mixin per node family (selectors, functions, aggregate, binary) over
`walk.WalkerBase`; the data it reads (metric identity, function tables, regex reductions) is in `tables`.
"""
