"""The Datadog query tree: its writer and reader agree (tests/cases/ddquery.tsv), nodes check what they hold,
and formulas parenthesise and inline as Datadog reads them."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from migrate.translate.ddquery import (
    AsCount,
    AsRate,
    BinOp,
    Call,
    Filter,
    Formula,
    LogQuery,
    MetricQuery,
    MonitorQuery,
    Node,
    Number,
    Query,
    QueryError,
    QuerySyntaxError,
    Ref,
    Rollup,
    RumQuery,
    ServiceCheckQuery,
    has_modifier,
    metric_names,
    parse_expression,
    parse_formula,
    parse_monitor,
    parse_query,
    render,
)
from migrate.translate.ddquery.functions import FUNCTIONS

TABLE = Path(__file__).resolve().parents[1] / "cases" / "ddquery.tsv"
READERS: dict[str, Callable[[str], Node | MonitorQuery | ServiceCheckQuery]] = {
    "monitor": parse_monitor,
    "expr": parse_expression,
    "query": parse_query,
}


def _rows() -> list[tuple[int, str, str]]:
    with TABLE.open() as fh:
        lines = [(n, line) for n, line in enumerate(fh, 1) if not line.startswith("#")]
    reader = csv.DictReader((line for _, line in lines), delimiter="\t", quoting=csv.QUOTE_NONE)
    return [(n, row["kind"], row["text"]) for (n, _), row in zip(lines[1:], reader, strict=True)]


@pytest.mark.parametrize(("line", "kind", "text"), _rows(), ids=lambda v: str(v)[:60])
def test_render_parse_round_trip(line: int, kind: str, text: str) -> None:
    tree = READERS[kind](text)
    assert render(tree) == text, f"ddquery.tsv:{line}"
    assert READERS[kind](render(tree)) == tree, f"ddquery.tsv:{line}"


def test_parse_builds_the_typed_nodes() -> None:
    q = parse_query("sum:app.req.count{code:5*,!env:dev} by {code}.as_count().rollup(sum, 300)")
    assert q == MetricQuery(
        "app.req.count",
        (Filter("code", "eq", ("5*",)), Filter("env", "ne", ("dev",))),
        "sum",
        ("code",),
        (AsCount(), Rollup("sum", 300)),
    )
    monitor = parse_monitor("max(last_10m):sum:x{*} / 2 > 1")
    assert isinstance(monitor, MonitorQuery)
    assert (monitor.time_aggregation, monitor.window, monitor.comparator, monitor.threshold) == (
        "max",
        "last_10m",
        ">",
        1,
    )
    assert monitor.expression == BinOp(MetricQuery("x", space="sum"), "/", Number(2))


@pytest.mark.parametrize(
    ("tree", "text"),
    [
        (BinOp(BinOp(Ref("a"), "+", Ref("b")), "*", Ref("c")), "(a + b) * c"),
        (BinOp(Ref("a"), "-", BinOp(Ref("b"), "-", Ref("c"))), "a - (b - c)"),
        (BinOp(BinOp(Ref("a"), "-", Ref("b")), "-", Ref("c")), "a - b - c"),
        (BinOp(Ref("a"), "/", BinOp(Ref("b"), "*", Ref("c"))), "a / (b * c)"),
        (BinOp(Ref("a"), "-", BinOp(Ref("b"), "*", Ref("c"))), "a - b * c"),
        (Call("clamp_max", Call("clamp_min", Ref("a"), 0), 10.5), "clamp_max(clamp_min(a, 0), 10.5)"),
    ],
)
def test_renderer_parenthesises_by_precedence(tree: BinOp | Call, text: str) -> None:
    assert render(tree) == text
    assert parse_expression(text) == tree


def test_scope_syntax_is_symbolic_unless_a_term_needs_boolean() -> None:
    eq, ne = Filter("a", "eq", ("x",)), Filter("b", "ne", ("y",))
    assert render(MetricQuery("m", (eq, ne))) == "avg:m{a:x,!b:y}"
    assert render(MetricQuery("m", (eq, ne, Filter("c", "in", ("1", "2"))))) == "avg:m{a:x AND NOT b:y AND c IN (1,2)}"


def test_formula_inlines_its_named_queries() -> None:
    a, b = MetricQuery("x.count", space="sum", modifiers=(AsRate(),)), MetricQuery("y", space="sum")
    formula = Formula({"a": a, "b": b}, BinOp(Call("moving_rollup", Ref("a"), 300, "avg"), "/", Ref("b")))
    assert render(formula) == "moving_rollup(a, 300, 'avg') / b"
    assert render(formula.inline()) == "moving_rollup(sum:x.count{*}.as_rate(), 300, 'avg') / sum:y{*}"
    assert parse_formula("moving_rollup(a, 300, 'avg') / b", {"a": render(a), "b": render(b)}) == formula
    with pytest.raises(QueryError, match="unknown queries: c"):
        Formula({"a": a}, BinOp(Ref("a"), "+", Ref("c")))


def test_calls_come_from_the_declared_vocabulary() -> None:
    assert {"abs", "clamp_min", "moving_rollup", "timeshift", "week_before", "top", "anomalies", "forecast"} <= set(
        FUNCTIONS
    )
    with pytest.raises(QueryError, match="not a declared Datadog formula function"):
        Call("round", Ref("a"))
    with pytest.raises(QueryError, match="literal number"):
        Call("clamp_min", Ref("a"), Ref("b"))
    with pytest.raises(QueryError, match="quoted string"):
        Call("moving_rollup", Ref("a"), 300, 5)
    with pytest.raises(QueryError, match="takes 2 to 3 arguments"):
        Call("moving_rollup", Ref("a"))
    with pytest.raises(QueryError, match="no `bogus=`"):
        Call("forecast", Ref("a"), "linear", 1, bogus=2)


@pytest.mark.parametrize(
    "node",
    [
        lambda: MetricQuery("m", space="median"),
        lambda: Rollup("p99"),
        lambda: LogQuery("*", rollup="avg"),
        lambda: LogQuery("*", rollup="count", measure="@x"),
        lambda: MonitorQuery("avg", "last_5x", Ref("a"), ">", 1),
        lambda: MonitorQuery("avg", "last_5m", LogQuery("*"), ">", 1),
        lambda: MonitorQuery("", "last_5m", Ref("a"), "=>", 1),
        lambda: BinOp(Ref("a"), "^", Ref("b")),
    ],
    ids=["space", "rollup", "measure_missing", "measure_extra", "window", "log_time_aggr", "comparator", "operator"],
)
def test_nodes_reject_what_datadog_cannot_read(node: object) -> None:
    with pytest.raises(QueryError):
        node()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("avg:m{host}", "a `tag:value` scope term"),
        ("round(avg:m{*})", "a declared function call"),
        ("avg:m{*}.as_rate(", "`)`"),
        ("avg(last_5m):avg:m{*}", "a comparator"),
        ("avg:m{*} +", "a query, a number"),
        ("median:m{*}", "space aggregation"),
    ],
)
def test_unreadable_text_names_the_query_and_column(text: str, where: str) -> None:
    reader = parse_monitor if text.startswith("avg(") else parse_expression
    with pytest.raises(QuerySyntaxError, match="column") as info:
        reader(text)
    assert text in str(info.value) and where in str(info.value)


def test_formula_of_an_inline_expression_names_its_queries() -> None:
    x, y = MetricQuery("x"), MetricQuery("y", space="sum")
    formula = Formula.of(parse_expression("avg:x{*} / (sum:y{*} + avg:x{*}) * 100"))
    assert formula.queries == {"a": x, "b": y}
    assert render(formula) == "a / (b + a) * 100"
    assert render(formula.inline()) == "avg:x{*} / (sum:y{*} + avg:x{*}) * 100"


def test_has_modifier_looks_into_every_inline_query() -> None:
    node = parse_expression("abs(sum:x.count{*}.as_rate()) + sum:y.count{*}.as_count()")
    assert has_modifier(node, AsCount) and has_modifier(node, AsRate) and not has_modifier(node, Rollup)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("avg(last_5m):sum:a.b{x:y} / avg:c{*} > 1", ["a.b", "c"]),
        ("p99:trace.http.request{service:web} by {resource_name}", ["trace.http.request"]),
        ("top(sum:a{*} by {pod}.as_rate(), 5, 'mean', 'desc')", ["a"]),
        ("max:system.load.1{*}", ["system.load.1"]),
        ('"openmetrics.health".over("*").by("endpoint").last(1).count_by_status()', []),
        ('logs("service:web").index("*").rollup("count").last("5m") > 1', []),
        ("service:web status:error", []),  # a log search string in a widget: no metric, not an error
        ("exclude_null(avg:a{*}) + sum:b{*}.rollup(p95)", ["a", "b"]),  # text that does not read as a whole
        ("a / b", []),
    ],
)
def test_metric_names_of_query_text_from_elsewhere(text: str, names: list[str]) -> None:
    assert metric_names(text) == names


def test_formula_monitor_reads_its_queries_from_the_variables() -> None:
    """Log and RUM monitors over several queries: `formula("...")` in the query, the queries in options.variables
    (DataDog/datadog-api-client-typescript examples/v1/monitors/CreateMonitor_3883669300.ts)."""
    text = 'formula("query2 / query1 * 100").last("15m") >= 0.8'
    variables: dict[str, Query] = {"query2": RumQuery("status:error"), "query1": RumQuery("")}
    monitor = parse_monitor(text, variables)
    assert monitor == MonitorQuery(
        "", "last_15m", Formula(variables, BinOp(BinOp(Ref("query2"), "/", Ref("query1")), "*", Number(100))), ">=", 0.8
    )
    assert render(monitor) == text
    with pytest.raises(QuerySyntaxError, match=r"options\.variables"):
        parse_monitor(text)
    with pytest.raises(QuerySyntaxError, match="unknown queries: query1"):
        parse_monitor(text, {"query2": RumQuery("*")})
    with pytest.raises(QueryError, match="no time aggregation"):
        MonitorQuery("avg", "last_5m", Formula(variables, Ref("query1")), ">", 1)


def test_call_arity_message() -> None:
    with pytest.raises(QueryError, match=r"abs\(\) takes 1 arguments, not 2"):
        Call("abs", Ref("a"), Ref("b"))
