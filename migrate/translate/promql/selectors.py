"""PromQL selectors → Datadog metric queries: metric identity, recording rules, offsets, and
label matchers → tag filters (`le` → `upper_bound`, server labels, regex reductions, template variables).

A selector on a recording rule is replaced by the rule's expression (inlined), its matchers pushed into
every selector there.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, NamedTuple

import promql_parser as pp

from migrate.translate.ddquery import Call, Filter, tag_value
from migrate.translate.ddquery.render import scope
from migrate.translate.promql import tables as t
from migrate.translate.promql.guard import parse as guarded_parse
from migrate.translate.promql.health import ENDPOINT
from migrate.translate.promql.vars import SENTINEL, SENTINEL_INSIDE, UNDEFINED, substitute
from migrate.translate.promql.walk import Manual, Query, Val, WalkerBase, query_name


@lru_cache(maxsize=1024)
def parse_rule(expr: str) -> Any:
    """Recording rules are inlined into many alerts: parse each once. (Alert expressions are parsed
    uncached: each is seen once, and keeping their trees alive only costs memory; measured, caching them too
    made bench/translate.py 10-25% slower.)"""
    return guarded_parse(expr)


class Selectors(WalkerBase):
    def selector(self, node: Any) -> Val:
        written = node.matchers.matchers
        name = node.name
        if node.matchers.or_matchers:
            raise Manual("promql.or_matchers", "`or` inside a selector's braces")
        matchers = [m for m in written if m.name != "__name__"]
        for m in written if len(matchers) < len(written) else ():
            if m.name == "__name__":
                if m.op != pp.MatchOp.Equal:
                    raise Manual("promql.name_regex", "a selector on the metric name by regex or inequality")
                name = m.value
        if not name:
            raise Manual("promql.name_regex", "a selector without a metric name")
        if node.at is not None:
            raise Manual("promql.at_modifier", "the @ modifier pins evaluation time; Datadog has no equivalent")
        value = self.inline(name, matchers) if name in self.prom.recording_rules else self.metric(name, matchers)
        if node.offset is not None:
            value = self.offset(value, node.offset.total_seconds())
        return value

    def metric(self, name: str, matchers: list[Any]) -> Val:
        if name in t.SERVER_METRICS:
            raise Manual("promql.server_metric", t.SERVER_METRICS[name])
        self.source_metrics.append(name)
        kind, known = t.resolve_kind(name, self.prom.metric_types, self.mapped_types, reads=self.reads)
        if not known and name.endswith(("_sum", "_count")):
            self.note(
                "promql.type_guessed",
                f"{name} has no type metadata and no other part of a `{name.rsplit('_', 1)[0]}` histogram or "
                "summary is read anywhere, so it is not taken for one's part: it is a series of its own name "
                "(a gauge, or a counter where rate()/increase() reads it)",
            )
        if ":" in name:
            self.note(
                "promql.recording_rule_not_found",
                f"{name} looks like a recording rule but none was given; "
                "it exists in Datadog only if something sends it under that name",
            )
        q = Query(name=query_name(len(self.queries)), metric="", source=name, kind=kind, kind_known=known)
        owners: dict[str, str] = {}  # tag key -> the label whose matcher filters on it
        for m in [*matchers, *self.pushed]:
            if m.op != pp.MatchOp.Equal and m.name not in q.open_labels:
                q.open_labels.append(m.name)
            for term in self.filter_for(m, q):
                q.filters.append(term)
                if owners.setdefault(term.key, m.name) != m.name and term.key:
                    self.note(
                        "promql.tag_collision",
                        f"`{owners[term.key]}` and `{m.name}` both map to the tag `{term.key}`: the scope filters "
                        f"`{term.key}` twice, which only values both matchers accept pass",
                    )
        self.queries.append(q)
        self.rename(q)
        return Val(formula=q.ref, query=q, queries=[q])

    def rename(self, q: Query) -> None:
        q.metric = t.datadog_metric(q.source, q.kind, self.namespace, distribution=bool(q.percentile))

    def inline(self, name: str, matchers: list[Any]) -> Val:
        if name in self.inlining:
            raise Manual("promql.recording_rule_cycle", " -> ".join([*self.inlining, name]))
        labels, expr = self.definition(name, matchers)
        try:
            node = parse_rule(substitute(expr, self.ctx.variables, self.ctx.variables_closed)[0])
        except ValueError as exc:
            raise Manual("promql.parse_error", f"recording rule {name}: {exc}") from exc
        saved = self.pushed
        self.inlining.append(name)
        # A matcher on a label the rule sets itself is answered by the definition chosen; pushed into the
        # rule's selectors it would filter on a tag the underlying series never carry.
        self.pushed = [*self.pushed, *(m for m in matchers if m.name not in labels)]
        try:
            return self.visit(node)
        finally:
            self.inlining.pop()
            self.pushed = saved

    def definition(self, name: str, matchers: list[Any]) -> tuple[dict[str, str], str]:
        """The recording rule definition a selector reads: the first whose static labels its matchers accept."""
        definitions = self.prom.recording_definitions.get(name) or [({}, self.prom.recording_rules[name])]
        fitting = [
            (labels, expr)
            for labels, expr in definitions
            if all(_accepts(m, labels[m.name]) for m in matchers if m.name in labels)
        ]
        if not fitting:
            raise Manual(
                "promql.recording_rule_labels",
                f"{name}{{{', '.join(map(str, matchers))}}} selects no "
                "definition of the recording rule: every one sets a label the matchers exclude",
            )
        if len({expr for _, expr in fitting}) > 1:
            self.note(
                "promql.recording_rule_ambiguous",
                f"recording rule `{name}` has {len(fitting)} definitions "
                "this selector reads (told apart by their labels); only the first is inlined",
            )
        return fitting[0]

    def offset(self, value: Val, seconds: float) -> Val:
        if seconds <= 0:
            raise Manual("promql.offset", "a negative offset looks into the future")
        fn = t.SHIFT_FUNCTIONS.get(seconds)
        formula = Call(fn, value.formula) if fn else Call("timeshift", value.formula, -seconds)
        return Val(formula=formula, query=value.query, queries=value.queries, group_by=value.group_by)

    # --- labels and matchers ----------------------------------------------------------------
    def tag_for(self, label: str, q: Query | None) -> tuple[str | None, str]:
        """(Datadog tag key or None if the label does not exist there, why)."""
        if label == "le" and q is not None and q.kind == t.BUCKET:
            return "upper_bound", ""
        if label in self.collisions:
            c = self.collisions[label]
            return c.key, (
                f"`{label}` would share the tag key `{c.shared}` with `{c.owner}`, so it is kept as `{c.key}` (bridge "
                f"mode renames it so; mappings prometheus.collision_prefix, or map `{label}` in label_tags to choose)"
            )
        if label in self.label_tags:
            tag = self.label_tags[label]
            if label in self.server_labels:
                if tag is None:
                    return None, f"`{label}` is added by the Prometheus server and does not exist in Datadog"
                return tag, (
                    f"`{label}` is added by the Prometheus server; mapped to `{tag}`, " + _server_tag_values(label, tag)
                )
            return tag, ("" if tag is not None else f"`{label}` is mapped to nothing in Datadog")
        if label in self.server_labels:
            return None, f"`{label}` is added by the Prometheus server and has no Datadog mapping"
        return label.lower(), ""

    def label_code(self, label: str) -> str:
        if label in self.collisions:
            return "promql.tag_collision"
        return "promql.server_label" if label in self.server_labels else "promql.label_dropped"

    def filter_for(self, m: Any, q: Query) -> list[Filter]:
        """The scope terms (ANDed) for one matcher: none where it restricts nothing or its label is not a tag."""
        tag, why = self.tag_for(m.name, q)
        if why:
            self.note(self.label_code(m.name), why + ("" if tag else f"; the matcher {m} was dropped (wider scope)"))
        if tag is None:
            return []
        term = self.tag_filter(m, tag)
        if term is None:
            return []
        if m.name == "instance" and tag == ENDPOINT:
            return self.endpoint_filters(m, term)
        if term.op == "not_any":  # Datadog's NOT IN takes no wildcards: `!k:a*,!k:b` (ANDed) excludes the same
            return [Filter(term.key, "ne", (v,)) for v in term.values]
        return [term.filter()]

    def tag_filter(self, m: Any, tag: str) -> _Term | None:
        """The scope term for one matcher on the tag `tag` (None: no restriction)."""
        value, op = m.value, m.op
        # Every placeholder promql/vars writes (a variable, an undefined one) starts `__dd`: a value without it needs
        # none of the three scans, which cost a twentieth of a translation.
        if "__dd" in value:
            undefined = UNDEFINED.findall(value)
            if undefined:
                names = ", ".join(f"${n}" for n in undefined)
                self.note(
                    "promql.template_variable_undefined",
                    f"{m}: {names} is not defined in the dashboard's variables (Grafana sends the text as written, "
                    "so the matcher selects what that literal text matches; Datadog refuses a dashboard that refers to "
                    "an undefined template variable): the matcher was dropped (wider scope)",
                )
                return None
            var = SENTINEL.match(value)
            if var:
                if op in (pp.MatchOp.Equal, pp.MatchOp.Re):
                    return _Term(tag, "var", (f"${var.group(1)}",))
                raise Manual(
                    "promql.template_variable",
                    f"negated template variable in {m}: a Datadog scope uses a template variable only to include the "
                    "selected `tag:value`, and Datadog documents no way to exclude it",
                )
            if SENTINEL_INSIDE.search(value):
                # `instance=~"$node:$port"`: a Datadog scope filters a tag by one template variable, never by a
                # value assembled from several; keeping the placeholder would filter on a value that never exists.
                names = ", ".join(f"${n}" for n in SENTINEL_INSIDE.findall(value))
                self.note(
                    "promql.template_variable",
                    f"`{m.name}` is matched against a value built from template "
                    f"variables ({names}) and other text; Datadog cannot filter a tag that way, so the matcher "
                    "was dropped (wider scope)",
                )
                return None
        if op in (pp.MatchOp.Equal, pp.MatchOp.NotEqual):
            positive = op == pp.MatchOp.Equal
            if value == "":
                return _Term(tag, "has_not" if positive else "has")
            if "*" in value:  # Datadog's scope has no escape for `*`: the literal becomes a wildcard
                self.note(
                    "promql.literal_wildcard",
                    f"{m}: `*` is a wildcard in a Datadog tag filter and cannot be escaped, so the filter also "
                    "matches values with any characters in its place",
                )
            return _Term(tag, "eq" if positive else "ne", (self.value(value, m),))
        positive = op == pp.MatchOp.Re
        if value in (".*", "^.*$"):
            if positive:
                return None
            raise Manual("promql.regex_matcher", f"{m} matches nothing")
        if value in (".+", "^.+$"):
            return _Term(tag, "has" if positive else "has_not")
        if value in ("", "^$"):  # only the empty value, which Prometheus treats as the label being absent
            return _Term(tag, "has_not" if positive else "has")
        reduced = t.regex_values(value)
        if reduced is None:
            raise Manual("promql.regex_matcher", f"the regex matcher {m} has no Datadog tag filter equivalent")
        values, approximate = reduced
        if approximate:
            self.note(
                "promql.regex_matcher",
                f"{m}: reduced approximately: `.+` or one-character patterns at an end (`.`, `\\d`, `[0-9]`) became "
                "`*` (any characters, any number of them, none included), and a `.` between letters or digits the "
                "literal dot (the regex accepts any character there)",
            )
        values = [self.value(v, m) for v in values]
        if len(values) == 1:
            return _Term(tag, "eq" if positive else "ne", (values[0],))
        if any("*" in v for v in values):
            return _Term(tag, "any" if positive else "not_any", tuple(values))
        return _Term(tag, "in" if positive else "not_in", tuple(values))

    def endpoint_filters(self, m: Any, term: _Term) -> list[Filter]:
        """An `instance` (host:port) term on the `endpoint` tag (the scrape URL): each value becomes the URLs
        around it. A Datadog variable takes endpoint values directly, and presence needs no value."""
        if term.op in ("has", "has_not", "var"):
            return [term.filter()]
        patterns = tuple(endpoint_pattern(v) for v in term.values)
        if term.op in ("ne", "not_in", "not_any"):  # Datadog's NOT IN takes no wildcards: one `!k:v` term each
            out = [Filter(term.key, "ne", (p,)) for p in patterns]
        else:
            out = [Filter(term.key, "any" if len(patterns) > 1 else "eq", patterns)]
        self.note(
            "promql.server_label",
            f"{m} became `{scope(out)}`: the `{ENDPOINT}` tag is the scrape "
            "URL (`<scheme>://<instance><metrics_path>`), exact while `instance` is the target's address "
            "(Prometheus' default); an `instance` relabelled to anything else matches no endpoint",
        )
        return out

    def value(self, value: str, m: Any) -> str:
        converted = tag_value(value)
        if converted != value.lower():
            self.note("promql.tag_value", f"{m}: Datadog stores the value as `{converted}`")
        return converted

    def default_group_by_tags(self, q: Query) -> list[str]:
        return self.tags_for(self.default_group_by, q if isinstance(q, Query) else None, "; left out of the grouping")

    def tags_for(self, labels: list[str], q: Query | None, dropped: str) -> list[str]:
        """Datadog group-by tags for source labels, each lost or changed label noted (`dropped` says where)."""
        tags: list[str] = []
        for label in labels:
            tag, why = self.tag_for(label, q)
            if why:
                self.note(self.label_code(label), why + ("" if tag else dropped))
            if tag and tag not in tags:
                tags.append(tag)
        return tags


class _Term(NamedTuple):
    """One matcher's restriction before it becomes scope terms: a Filter op, or `not_any` (none of the values,
    some of them wildcards), which Datadog writes as one `!k:v` term per value."""

    key: str
    op: str
    values: tuple[str, ...] = ()

    def filter(self) -> Filter:
        return Filter(self.key, self.op, self.values)


def _accepts(m: Any, value: str) -> bool:
    """Whether the matcher `m` accepts the label value (Prometheus regexes are fully anchored RE2)."""
    if m.op == pp.MatchOp.Equal:
        return bool(value == m.value)
    if m.op == pp.MatchOp.NotEqual:
        return bool(value != m.value)
    try:
        found = re.fullmatch(m.value, value) is not None
    except re.error:
        return True  # a pattern Python cannot read: keep the definition rather than guess it away
    return found if m.op == pp.MatchOp.Re else not found


def endpoint_pattern(instance: str) -> str:
    """The `endpoint` tag values (scrape URLs) an `instance` value is the address of: `*://10.0.0.5:8080/*`."""
    return f"*://{instance}/*"


def _server_tag_values(label: str, tag: str) -> str:
    """How a server label's tag relates to the label's values (the `promql.server_label` note says it)."""
    if label == "instance" and tag == ENDPOINT:
        return (
            "the scrape URL the Agent tags each target's series with: `instance` `10.0.0.5:8080` is "
            "`endpoint:http://10.0.0.5:8080/metrics`"
        )
    if tag == "host":
        return (
            "the host of the Agent that scrapes the target: targets one Agent scrapes (the pods on a node) "
            "share it, so it does not tell them apart"
        )
    return (
        f"which has the `{label}` values only where the Agent instance carries `{tag}:<value>` in `tags:` "
        "(bridge mode writes it; an instance configured by hand needs it too)"
    )
