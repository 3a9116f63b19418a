"""Adversarial bad input for every verb, in-process through `migrate.cli.main`.

Each case breaks one input and expects: the exit code (1 bad input, 2 usage), ONE `ddmigrate <verb>: error:`
line naming the file, line or object (hints may follow), no internal error, no traceback, the working
tree exactly as it was (no output left looking complete), and no secret from the environment anywhere
in stdout, stderr or the files.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from migrate import cli
from migrate.commands.collect import collect
from migrate.commands.plan import plan
from migrate.commands.translate import translate
from migrate.fsutil import write_json
from migrate.runner.journal import Journal
from migrate.runner.ratelimit import RetryPolicy
from migrate.testing.ddserver import DatadogTestServer
from migrate.translate import store

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "inventories" / "sample"
# Recognisable values: the test fails if any of them shows up in output or in a written file.
SECRETS = {
    "DD_API_KEY": "h11-sentinel-dd-api-key-0451",
    "DD_APP_KEY": "h11-sentinel-dd-app-key-0452",
    "GRAFANA_TOKEN": "h11-sentinel-grafana-token-0453",
    "PROMETHEUS_USERNAME": "h11user",
    "PROMETHEUS_PASSWORD": "h11-sentinel-prom-password-0454",
}
URL_PASSWORD = "h11-sentinel-url-password-0455"
IGNORED = re.compile(r"(^|/)(lock|state\.db-wal|state\.db-shm)$")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


CLOSED = f"http://127.0.0.1:{_closed_port()}"


# --- building blocks for the broken inputs ------------------------------------------------------------
def write(rel: str, content: str | bytes) -> Callable[[Path], None]:
    def setup(ws: Path) -> None:
        path = ws / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    return setup


def edit_json(rel: str, change: Callable[[Any], Any]) -> Callable[[Path], None]:
    def setup(ws: Path) -> None:
        path = ws / rel
        path.write_text(json.dumps(change(json.loads(path.read_text(encoding="utf-8")))), encoding="utf-8")

    return setup


def first_object(inv: Path, kind: str = "alerting_rule") -> Path:
    return sorted((inv / "objects" / kind).glob("*.json"))[0]


def edit_object(change: Callable[[dict[str, Any]], None], *, rehash: bool) -> Callable[[Path], None]:
    """Hand-edit one inventory object; with `rehash` the manifest checksum is fixed up too (so the schema,
    not the checksum, has to catch it)."""

    def setup(ws: Path) -> None:
        path = first_object(ws / "inv-prom")
        data = json.loads(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(json.dumps(data), encoding="utf-8")
        if rehash:
            manifest = ws / "inv-prom" / "manifest.json"
            meta = json.loads(manifest.read_text(encoding="utf-8"))
            rel = path.relative_to(ws / "inv-prom").as_posix()
            meta["objects"][rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            manifest.write_text(json.dumps(meta), encoding="utf-8")

    return setup


def remove_object(ws: Path) -> None:
    first_object(ws / "inv-prom").unlink()


def extra_object(ws: Path) -> None:
    shutil.copy(first_object(ws / "inv-prom"), ws / "inv-prom" / "objects" / "alerting_rule" / "extra.json")


def object_becomes_dir(ws: Path) -> None:
    path = first_object(ws / "inv-prom")
    path.unlink()
    path.mkdir()


def remove(rel: str) -> Callable[[Path], None]:
    return lambda ws: (ws / rel).unlink()


def both(*setups: Callable[[Path], None]) -> Callable[[Path], None]:
    def setup(ws: Path) -> None:
        for step in setups:
            step(ws)

    return setup


MAPPING_ROUTE = 'routing:\n  - match_re: {severity: "(crit"}\n    notify: ["@pagerduty"]\n'
CYCLE = (
    "phases:\n  - name: a\n    depends_on: [b]\n    select: [{source: prometheus}]\n"
    "  - name: b\n    depends_on: [a]\n    select: [{source: grafana}]\n"
)
UNKNOWN_DEP = "phases:\n  - name: a\n    depends_on: [nowhere]\n    select: [{source: prometheus}]\n"
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {}\n"
DEPLOYMENT = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 2}\n"
BINARY = b"\xff\xfe\x00\x9c binary"


def alias_bomb(levels: int = 6) -> str:
    """A few hundred bytes whose aliases expand to 9**levels strings (a billion laughs, kept small enough
    that a regression costs seconds, not the machine)."""
    lines = ['    a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"    a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


BOMB_RULES = (
    "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        annotations:\n"
    + "".join("    " + line + "\n" for line in alias_bomb().splitlines())
)
BOMB_DASHBOARD = "title: x\npanels: []\nbomb:\n" + alias_bomb()
DEEP_JSON = "[" * 100_000 + "]" * 100_000
NESTED_JSON = '{"title": "x", "panels": [], "deep": ' + "[" * 900 + "]" * 900 + "}"


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]
    expect: str  # regex the error message must match: it names the file, line or object
    code: int = 1
    setup: Callable[[Path], None] | None = None
    env: dict[str, str | None] = field(default_factory=dict)  # None: unset

    @property
    def verb(self) -> str:
        return self.argv[0]


def case(
    id_: str, argv: str, expect: str, code: int = 1, setup: Callable[[Path], None] | None = None, **env: str | None
) -> Case:
    return Case(id_, tuple(argv.split()), expect, code, setup, dict(env))


PROM = "collect prometheus --out new-inv --from-files"
GRAF = "collect grafana --out new-inv --from-files"
TR = "translate --inventory inv-prom --out new-tr"
LIVE = "--workdir w --translation tr"

CASES = [
    # collect prometheus
    case("prom-missing-path", f"{PROM} nope.yml", r"nope\.yml: path not found"),
    case("prom-binary-file", f"{PROM} bad.yml", r"bad\.yml: not a UTF-8", setup=write("bad.yml", BINARY)),
    case(
        "prom-truncated-yaml",
        f"{PROM} bad.yml",
        r"bad\.yml:3: malformed YAML",
        setup=write("bad.yml", "groups:\n  - name: [x\n"),
    ),
    case(
        "prom-json-list",
        f"{PROM} bad.json.yml",
        r"bad\.json\.yml:1: not a rules file: found a list",
        setup=write("bad.json.yml", "[1, 2]\n"),
    ),
    case(
        "prom-wrong-document-type",
        f"{PROM} deploy.yaml",
        r"deploy\.yaml:1: not a rules file: found kind 'Deployment'",
        setup=write("deploy.yaml", DEPLOYMENT),
    ),
    case(
        "prom-group-not-mapping",
        f"{PROM} bad.yml",
        r"bad\.yml:\d+: group 1 must be a mapping",
        setup=write("bad.yml", "groups:\n  - 5\n"),
    ),
    case(
        "prom-bad-duration",
        f"{PROM} bad.yml",
        r"bad\.yml:5: .*for",
        setup=write(
            "bad.yml",
            "groups:\n  - name: g\n    rules:\n      - alert: A\n        for: 5 minutes\n        expr: up == 0\n",
        ),
    ),
    case("prom-alias-bomb", f"{PROM} bomb.yml", r"bomb\.yml: YAML aliases expand", setup=write("bomb.yml", BOMB_RULES)),
    case(
        "prom-over-size-limit",
        f"{PROM} big.yml",
        r"big\.yml: the file is 2\.0 MiB, over the 1 MiB input limit",
        setup=write("big.yml", "#" * (2 << 20) + "\ngroups: []\n"),
        DDMIGRATE_MAX_INPUT_MB="1",
    ),
    case(
        "prom-metadata-deep-json",
        f"{PROM} rules --metadata meta.json",
        r"meta\.json: nested more than \d+ levels deep",
        setup=write("meta.json", DEEP_JSON),
    ),
    case(
        "prom-helm-template",
        f"{PROM} rules.yaml",
        r"rules\.yaml:\d+: malformed YAML: .*Helm template\n  hint: .*`helm template RELEASE CHART",
        setup=write(
            "rules.yaml", "{{- if .Values.rules.enabled }}\ngroups:\n  - name: {{ .Values.name }}\n{{- end }}\n"
        ),
    ),
    case(
        "prom-configmap-data-list",
        f"{PROM} cm.yaml",
        r"cm\.yaml:3: ConfigMap 'x': `data` must be a mapping",
        setup=write("cm.yaml", "kind: ConfigMap\nmetadata: {name: x}\ndata: [1]\n"),
    ),
    case(
        "prom-metadata-binary",
        f"{PROM} rules --metadata meta.json",
        r"meta\.json: not a UTF-8",
        setup=write("meta.json", BINARY),
    ),
    case("prom-metadata-directory", f"{PROM} rules --metadata rules", r"rules: cannot read file"),
    case(
        "prom-metadata-truncated",
        f"{PROM} rules --metadata meta.json",
        r"meta\.json:1: invalid JSON",
        setup=write("meta.json", '{"up": ['),
    ),
    case(
        "prom-metadata-wrong-shape",
        f"{PROM} rules --metadata meta.json",
        r"meta\.json: metadata must be",
        setup=write("meta.json", "[1]"),
    ),
    case(
        "prom-out-is-a-file",
        "collect prometheus --from-files rules --out plan.json",
        r"plan\.json: exists and is not a directory",
    ),
    case(
        "prom-out-is-someones-dir",
        "collect prometheus --from-files rules --out tr",
        r"tr: is a non-empty directory without manifest\.json",
    ),
    case(
        "prom-out-under-a-file",
        "collect prometheus --from-files rules --out plan.json/inv",
        r"plan\.json/inv: cannot write",
    ),
    case(
        "prom-api-closed-port",
        "collect prometheus --from-api --out new-inv",
        r"cannot connect to http://127\.0\.0\.1:\d+/api/v1/.*connection refused",
        PROMETHEUS_URL=CLOSED.replace("://", "://h11user:" + URL_PASSWORD + "@"),
    ),
    case(
        "prom-api-not-http",
        "collect prometheus --from-api --out new-inv",
        r"PROMETHEUS_URL='ftp://x' is not an http",
        PROMETHEUS_URL="ftp://x",
    ),
    case("prom-usage-no-out", "collect prometheus --from-files rules", r"required: --out", code=2),
    # collect grafana
    case("graf-missing-path", f"{GRAF} nope.json", r"nope\.json: file or directory not found"),
    case("graf-binary", f"{GRAF} d.json", r"d\.json: not a UTF-8", setup=write("d.json", BINARY)),
    case("graf-truncated-json", f"{GRAF} d.json", r"d\.json:1: invalid JSON", setup=write("d.json", '{"title": "x", ')),
    case("graf-empty-file", f"{GRAF} d.yaml", r"d\.yaml: no Grafana dashboard found", setup=write("d.yaml", "")),
    case("graf-alias-bomb", f"{GRAF} d.yaml", r"d\.yaml: YAML aliases expand", setup=write("d.yaml", BOMB_DASHBOARD)),
    case(
        "graf-deep-json",
        f"{GRAF} d.json",
        r"d\.json: nested more than \d+ levels deep",
        setup=write("d.json", DEEP_JSON),
    ),
    case(
        "graf-nested-json",
        f"{GRAF} d.json",
        r"d\.json: nested more than \d+ levels deep",
        setup=write("d.json", NESTED_JSON),
    ),
    case(
        "graf-over-size-limit",
        f"{GRAF} d.json",
        r"d\.json: the file is 2\.0 MiB, over the 1 MiB input limit",
        setup=write("d.json", '{"title": "x", "panels": [], "pad": "' + "x" * (2 << 20) + '"}'),
        DDMIGRATE_MAX_INPUT_MB="1",
    ),
    case(
        "graf-helm-template",
        f"{GRAF} d.json",
        r"d\.json:\d+: invalid JSON.*\n  hint: .*`helm template RELEASE CHART",
        setup=write("d.json", '{"title": "{{ .Values.title }}", "panels": {{ toJson .Values.panels }}}'),
    ),
    case(
        "graf-panels-not-list",
        f"{GRAF} d.json",
        r"d\.json: dashboard 'x': `panels` must be a list",
        setup=write("d.json", '{"title": "x", "panels": "oops"}'),
    ),
    case(
        "graf-panel-not-object",
        f"{GRAF} d.json",
        r"d\.json: dashboard 'x': panels\[1\] must be an object",
        setup=write("d.json", '{"title": "x", "panels": [{"type": "graph"}, 7]}'),
    ),
    case(
        "graf-targets-not-list",
        f"{GRAF} d.json",
        r"d\.json: dashboard 'x': `panels\[0\]\.targets` must be a list",
        setup=write("d.json", '{"title": "x", "panels": [{"type": "graph", "targets": 3}]}'),
    ),
    case(
        "graf-rows-not-list",
        f"{GRAF} d.json",
        r"d\.json: dashboard 'x': `rows` must be a list",
        setup=write("d.json", '{"title": "x", "rows": 7}'),
    ),
    case(
        "graf-gridpos-garbage",
        f"{GRAF} d.json",
        r"d\.json: dashboard 'x': unexpected structure",
        setup=write("d.json", '{"title": "x", "panels": [{"type": "graph", "gridPos": {"x": "left"}}]}'),
    ),
    case(
        "graf-configmap-not-json",
        f"{GRAF} cm.yaml",
        r"cm\.yaml:1: ConfigMap key 'a\.json' is not valid JSON",
        setup=write("cm.yaml", 'kind: ConfigMap\nmetadata: {name: d}\ndata:\n  a.json: "{not json"\n'),
    ),
    case(
        "graf-configmap-data-list",
        f"{GRAF} cm.yaml",
        r"cm\.yaml:1: ConfigMap `data` must be a mapping",
        setup=write("cm.yaml", "kind: ConfigMap\nmetadata: {name: d}\ndata: [1]\n"),
    ),
    case(
        "graf-list-items-not-list",
        f"{GRAF} cm.yaml",
        r"cm\.yaml:1: List `items` must be a list",
        setup=write("cm.yaml", "kind: List\nitems: 5\n"),
    ),
    case(
        "graf-api-closed-port",
        "collect grafana --from-api --out new-inv",
        r"cannot connect to http://127\.0\.0\.1:\d+/api/",
        GRAFANA_URL=CLOSED,
    ),
    # translate: hand-edited inventories, bad mapping layers, bad --out
    case("tr-missing-inventory", "translate --inventory nope --out new-tr", r"nope: inventory directory not found"),
    case("tr-inventory-is-file", "translate --inventory plan.json --out new-tr", r"plan\.json: inventory directory"),
    case("tr-no-manifest", "translate --inventory rules --out new-tr", r"rules/manifest\.json: file not found"),
    case(
        "tr-manifest-binary", TR, r"inv-prom/manifest\.json: not a UTF-8", setup=write("inv-prom/manifest.json", BINARY)
    ),
    case(
        "tr-manifest-list",
        TR,
        r"inv-prom/manifest\.json: \(top level\): \[\] is not of type 'object'",
        setup=write("inv-prom/manifest.json", "[]"),
    ),
    case(
        "tr-manifest-truncated",
        TR,
        r"inv-prom/manifest\.json:1: invalid JSON",
        setup=write("inv-prom/manifest.json", '{"format": '),
    ),
    case(
        "tr-checksum-mismatch",
        TR,
        r"inv-prom/objects/alerting_rule/.*\.json: checksum does not match",
        setup=edit_object(lambda d: d["payload"].update(expr="up"), rehash=False),
    ),
    case(
        "tr-object-removed",
        TR,
        r"inv-prom/objects/alerting_rule/.*\.json: listed in manifest\.json but missing",
        setup=remove_object,
    ),
    case(
        "tr-extra-object", TR, r"inv-prom/objects/alerting_rule/extra\.json: object file not listed", setup=extra_object
    ),
    case(
        "tr-schema-violation",
        TR,
        r"inv-prom/objects/alerting_rule/.*\.json: source_ref\.kind: 5 is not of type",
        setup=edit_object(lambda d: d["source_ref"].update(kind=5), rehash=True),
    ),
    case(
        "tr-object-is-directory", TR, r"inv-prom/objects/alerting_rule/.*\.json: cannot read", setup=object_becomes_dir
    ),
    case("tr-out-is-a-file", "translate --inventory inv-prom --out plan.json", r"plan\.json: exists and is not a dir"),
    case(
        "tr-out-is-inventory",
        "translate --inventory inv-prom --out inv-graf",
        r"inv-graf: is a non-empty directory without desired\.json",
    ),
    case(
        "tr-mappings-bad-key",
        f"{TR} --mappings m",
        r"m/x\.yaml:2: prometheus\.bogus: Additional properties",
        setup=write("m/x.yaml", "prometheus:\n  bogus: 1\n"),
    ),
    case(
        "tr-mappings-bad-type",
        f"{TR} --mappings m",
        r"m/x\.yaml:2: alerts\.default_window: 5 is not of type 'string'",
        setup=write("m/x.yaml", "alerts:\n  default_window: 5\n"),
    ),
    case(
        "tr-mappings-bad-regex",
        f"{TR} --mappings m",
        r"m/x\.yaml:2: routing\[0\]\.match_re\.severity: invalid regular",
        setup=write("m/x.yaml", MAPPING_ROUTE),
    ),
    case(
        "tr-mappings-wrong-document",
        f"{TR} --mappings m",
        r"m/x\.yaml:1: a mappings file must be a YAML mapping",
        setup=write("m/x.yaml", "- prometheus\n- alerts\n"),
    ),
    case("tr-mappings-binary", f"{TR} --mappings m", r"m/x\.yaml: not a UTF-8", setup=write("m/x.yaml", BINARY)),
    case("tr-mappings-missing", f"{TR} --mappings nope", r"nope: mappings directory not found"),
    # plan: broken translation directories and outputs
    case(
        "plan-no-ledger",
        "plan --translation tr --out new.json",
        r"tr/ledger\.json: file not found",
        setup=remove("tr/ledger.json"),
    ),
    case("plan-empty-dir", "plan --translation rules --out new.json", r"rules: not a translation directory"),
    case(
        "plan-desired-list",
        "plan --translation tr --out new.json",
        r"tr/desired\.json: expected a JSON object",
        setup=write("tr/desired.json", "[]"),
    ),
    case(
        "plan-ledger-list",
        "plan --translation tr --out new.json",
        r"tr/ledger\.json: expected a JSON object",
        setup=write("tr/ledger.json", "[]"),
    ),
    case(
        "plan-meta-list",
        "plan --translation tr --out new.json",
        r"tr/translation\.json: expected a JSON object",
        setup=write("tr/translation.json", "[]"),
    ),
    case(
        "plan-desired-binary",
        "plan --translation tr --out new.json",
        r"tr/desired\.json: not a UTF-8",
        setup=write("tr/desired.json", BINARY),
    ),
    case(
        "plan-resource-missing-type",
        "plan --translation tr --out new.json",
        r"tr/desired\.json: malformed translation output: KeyError: 'type'",
        setup=edit_json("tr/desired.json", lambda d: {"resources": [{"key": "k", "payload": {}}]}),
    ),
    case(
        "plan-unknown-resource-type",
        "plan --translation tr --out new.json",
        r"tr/desired\.json: unknown resource type 'widget'",
        setup=edit_json("tr/desired.json", lambda d: {"resources": [{**d["resources"][0], "type": "widget"}]}),
    ),
    case("plan-out-is-directory", "plan --translation tr --out rules", r"rules: is a directory"),
    case("plan-out-under-file", "plan --translation tr --out plan.json/x.json", r"plan\.json/x\.json: cannot write"),
    case("plan-state-missing", "plan --translation tr --out new.json --state nope", r"nope: state snapshot directory"),
    case(
        "plan-state-binary",
        "plan --translation tr --out new.json --state st",
        r"st/monitors/1\.json: not a UTF-8",
        setup=write("st/monitors/1.json", BINARY),
    ),
    case(
        "plan-state-wrong-shape",
        "plan --translation tr --out new.json --state st",
        r"st/monitors/1\.json: not a Datadog monitor export",
        setup=write("st/monitors/1.json", "{}"),
    ),
    case(
        "plan-live-bogus-site",
        "plan --live --translation tr --out new.json --workdir new-w",
        r"DD_SITE='bogus\.example' is not a Datadog site",
        DD_SITE="bogus.example",
        DD_API_URL=None,
    ),
    # report
    case(
        "report-plan-edited",
        "report --translation tr --out new-report --plan plan.json",
        r"plan\.json: plan file was modified",
        setup=edit_json("plan.json", lambda d: {**d, "desired_hash": "x"}),
    ),
    case(
        "report-plan-list",
        "report --translation tr --out new-report --plan tr/ledger.json",
        r"tr/ledger\.json: not a ddmigrate plan",
    ),
    case(
        "report-plan-state-list",
        "report --translation tr --out new-report --plan plan.json",
        r"plan\.json: malformed plan: AttributeError",
        setup=edit_json("plan.json", lambda d: {**d, "state": [1]}),
    ),
    case(
        "report-plan-binary",
        "report --translation tr --out new-report --plan p.json",
        r"p\.json: not a UTF-8",
        setup=write("p.json", BINARY),
    ),
    case("report-out-is-file", "report --translation tr --out plan.json", r"plan\.json/report\.json: cannot write"),
    case("report-check-missing", "report --check nope.html", r"nope\.html: file not found"),
    case("report-check-not-a-report", "report --check plan.json", r"plan\.json: no integrity section found"),
    case("report-without-out", "report --translation tr", r"needs --translation DIR and --out DIR", code=2),
    case(
        "report-bad-acceptances",
        "report --translation tr --out rep --acceptances acc.json",
        r"acc\.json: not a ddmigrate acceptances file",
        setup=write("acc.json", '{"format": "something else"}'),
    ),
    case(
        "report-bad-parity-evidence",
        "report --translation tr --out rep",
        r"tr/ledger\.json: .+: evidence\.parity needs a verdict",
        setup=edit_json(
            "tr/ledger.json",
            lambda d: {**d, "entries": [{**d["entries"][0], "evidence": {"parity": {"verdict": "maybe"}}}]},
        ),
    ),
    # accept
    # parity
    case("parity-no-translation", "parity --translation nope --out p.json", r"nope: not a translation directory"),
    case("parity-bad-since", "parity --translation tr --out p.json --since soon", r"--since 'soon' is not a duration"),
    case("parity-empty-window", "parity --translation tr --out p.json --from 200 --until 100", r"window is empty"),
    case("parity-out-not-evidence", "parity --translation tr --out plan.json", r"plan\.json: not a parity evidence"),
    case("parity-closed-port", "parity --translation tr --out p.json --since 1h", r"cannot connect to"),
    case("accept-unknown-ref", "accept nope --translation tr --reason r", r"tr/ledger\.json: no object 'nope'"),
    case("accept-no-reason", "accept nope --translation tr", r"accept needs --reason", code=2),
    case("accept-no-translation", "accept nope --reason r", r"accept needs --translation DIR", code=2),
    case("accept-revoke-nothing", "accept --revoke nope", r"acceptances\.json: no acceptance matches nope"),
    # decommission-check
    case("gate-no-translation", "decommission-check prometheus --translation nowhere", r"nowhere: not a translation"),
    case("gate-unknown-tool", "decommission-check zabbix --translation tr", r"invalid choice: 'zabbix'", code=2),
    # translate-query
    Case("tq-empty", ("translate-query", "--", " "), r"the expression is empty", code=2),
    case("tq-invalid", "translate-query rate(foo[5m]", r"cannot parse the expression"),
    case(
        "tq-bad-mappings",
        "translate-query --mappings m up",
        r"m/x\.yaml:2: routing\[0\]",
        setup=write("m/x.yaml", MAPPING_ROUTE),
    ),
    case("tq-bad-type", "translate-query --type bogus up", r"invalid choice: 'bogus'", code=2),
    # bridge
    case(
        "bridge-no-prometheus",
        "bridge --inventory inv-graf --out new/conf.yaml",
        r"bridge needs a Prometheus inventory",
        code=2,
    ),
    case("bridge-out-is-directory", "bridge --inventory inv-prom --out rules", r"rules: is a directory"),
    case(
        "bridge-preview-closed-port",
        "bridge --inventory inv-prom --out new/conf.yaml --preview",
        r"(cannot connect to|cannot query) http://127\.0\.0\.1:\d+/api/v1/",
        PROMETHEUS_URL=CLOSED.replace("://", "://h11user:" + URL_PASSWORD + "@"),
    ),
    case(
        "bridge-missing-translation",
        "bridge --inventory inv-prom --translation nope --out new/conf.yaml",
        r"nope: not a translation directory",
    ),
    # apply
    case("apply-no-api-key", f"apply {LIVE}", r"DD_API_KEY is not set", DD_API_KEY=None),
    case(
        "apply-no-key-new-workdir", "apply --workdir new-w --translation tr", r"DD_APP_KEY is not set", DD_APP_KEY=None
    ),
    case(
        "apply-bogus-site",
        f"apply {LIVE}",
        r"DD_SITE='bogus\.example' is not a Datadog site",
        DD_SITE="bogus.example",
        DD_API_URL=None,
    ),
    case(
        "apply-url-not-http",
        f"apply {LIVE}",
        r"DD_API_URL='ftp://dd\.example' is not an http",
        DD_API_URL="ftp://dd.example",
    ),
    case(
        "apply-closed-port", f"apply {LIVE}", r"Datadog API GET /api/v1/\S+ failed \(no response\)", DD_API_URL=CLOSED
    ),
    case("apply-phase-without-phases", f"apply {LIVE} --phase pilot", r"--phase needs --phases FILE"),
    case(
        "apply-phases-cycle",
        f"apply {LIVE} --phases cycle.yaml --phase a",
        r"cycle\.yaml: depends_on forms a cycle",
        setup=write("cycle.yaml", CYCLE),
    ),
    case(
        "apply-phases-unknown-dep",
        f"apply {LIVE} --phases p.yaml --phase a",
        r"p\.yaml:2: phase 'a' depends on unknown phase 'nowhere'",
        setup=write("p.yaml", UNKNOWN_DEP),
    ),
    case(
        "apply-phases-wrong-document",
        f"apply {LIVE} --phases p.yaml --phase a",
        r"p\.yaml:1: \(top level\)",
        setup=write("p.yaml", CONFIGMAP),
    ),
    case(
        "apply-unknown-phase",
        f"apply {LIVE} --phases phases.yaml --phase nope",
        r"no phase named 'nope' in phases\.yaml",
    ),
    case(
        "apply-offline-plan", f"apply {LIVE} --plan plan.json", r"plan\.json: this plan was computed against a snapshot"
    ),
    case(
        "apply-live-plan-edited",
        f"apply {LIVE} --plan live.json",
        r"live\.json: plan file was modified",
        setup=edit_json("live.json", lambda d: {**d, "ledger_revision": 99}),
    ),
    case(
        "apply-live-plan-other-translation",
        "apply --workdir w --translation tr-other --plan live.json",
        r"live\.json was made from other desired resources than tr-other",
    ),
    case(
        "apply-workdir-is-file",
        "apply --workdir plan.json --translation tr",
        r"plan\.json/\.ddmigrate/state\.db: cannot open the ledger",
    ),
    case(
        "apply-corrupt-ledger",
        f"apply {LIVE}",
        r"w/\.ddmigrate/state\.db: cannot open the ledger",
        setup=write("w/.ddmigrate/state.db", b"garbage, not SQLite" * 10),
    ),
    case("apply-usage-bad-concurrency", f"apply {LIVE} --concurrency many", r"invalid int value: 'many'", code=2),
    # verify, rollback, status, history, cutover, adopt
    case("verify-no-ledger", "verify --workdir nowhere --translation tr", r"nowhere: no ddmigrate ledger here"),
    case("verify-missing-translation", "verify --workdir w --translation nope", r"nope: not a translation directory"),
    case("rollback-unknown-target", "rollback --workdir w nosuch", r"nothing to roll back for 'nosuch'"),
    case(
        "rollback-corrupt-ledger",
        "rollback --workdir w pilot",
        r"w/\.ddmigrate/state\.db: cannot open the ledger",
        setup=write("w/.ddmigrate/state.db", b"garbage, not SQLite" * 10),
    ),
    case(
        "status-phases-cycle",
        "status --workdir w --phases cycle.yaml",
        r"cycle\.yaml: depends_on forms a cycle",
        setup=write("cycle.yaml", CYCLE),
    ),
    case("status-no-ledger", "status --workdir nowhere", r"nowhere: no ddmigrate ledger here"),
    case("history-workdir-is-file", "history --workdir plan.json", r"plan\.json: no ddmigrate ledger here"),
    case(
        "history-corrupt-ledger",
        "history --workdir w",
        r"w/\.ddmigrate/state\.db: cannot open the ledger",
        setup=write("w/.ddmigrate/state.db", b"garbage, not SQLite" * 10),
    ),
    case("cutover-never-applied", "cutover --workdir w pilot", r"phase 'pilot' is not applied"),
    case("adopt-not-found", "adopt --workdir w monitor 999999 0123456789ab", r"monitor 999999 not found in Datadog"),
    case("adopt-malformed-key", "adopt --workdir w monitor 999999 some-key", r"'some-key' is not a ddmigrate key"),
    case("adopt-usage-bad-type", "adopt --workdir w widget 1 k", r"invalid choice: 'widget'", code=2),
]


# --- the world every case starts from ---------------------------------------------------------------
@pytest.fixture(scope="module")
def ddserver() -> Iterator[DatadogTestServer]:
    with DatadogTestServer(api_key=SECRETS["DD_API_KEY"], app_key=SECRETS["DD_APP_KEY"]) as server:
        yield server


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, ddserver: DatadogTestServer) -> Path:
    """Valid inputs of every kind: rules, inventories, two translations, an offline and a live plan, a ledger."""
    base = tmp_path_factory.mktemp("world")
    shutil.copytree(
        SAMPLE / "sources" / "prometheus", base / "rules", ignore=shutil.ignore_patterns("*.md", "metadata.json")
    )
    shutil.copy(SAMPLE / "phases.yaml", base / "phases.yaml")
    collect("prometheus", out=base / "inv-prom", from_files=[base / "rules"], from_api=False, metadata=None)
    collect("grafana", out=base / "inv-graf", from_files=[SAMPLE / "sources" / "grafana"])
    translate(inventories=[base / "inv-prom", base / "inv-graf"], out=base / "tr")
    translate(inventories=[base / "inv-graf"], out=base / "tr-other")
    plan(translation_dir=base / "tr", out=base / "plan.json")
    env = {"DD_API_URL": ddserver.url, **{k: SECRETS[k] for k in ("DD_API_KEY", "DD_APP_KEY")}}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        code, _, err = run(
            [
                "plan",
                "--live",
                "--workdir",
                str(base / "w"),
                "--translation",
                str(base / "tr"),
                "--out",
                str(base / "live.json"),
            ]
        )
    assert code == 0, err
    Journal(base / "w", create=False).close()
    return base


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def snapshot(root: Path) -> dict[str, str]:
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if IGNORED.search(rel):
            continue
        found[rel] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def secrets_in(root: Path, *texts: str) -> list[str]:
    values = [*SECRETS.values(), URL_PASSWORD]
    values.remove(SECRETS["PROMETHEUS_USERNAME"])
    hits = [f"output: {v}" for v in values for t in texts if v in t]
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path}: {v}" for v in values if v.encode() in data]
    return hits


@pytest.fixture
def workspace(world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ddserver: DatadogTestServer) -> Path:
    ws = tmp_path / "ws"
    shutil.copytree(world, ws)
    monkeypatch.chdir(ws)
    for key, value in SECRETS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DD_API_URL", ddserver.url)
    monkeypatch.delenv("DD_SITE", raising=False)
    monkeypatch.setenv("PROMETHEUS_URL", CLOSED)
    monkeypatch.setenv("GRAFANA_URL", CLOSED)
    return ws


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_bad_input(c: Case, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if c.setup is not None:
        c.setup(workspace)
    for key, value in c.env.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    waits: list[float] = []
    if "closed-port" in c.id:  # every retry against the dead port still happens; only the waits are skipped
        monkeypatch.setattr(time, "sleep", waits.append)  # the HTTP helper's and urllib3's backoff

        def no_backoff(_: RetryPolicy, attempt: int) -> float:
            waits.append(attempt)
            return 0.0

        monkeypatch.setattr(RetryPolicy, "backoff", no_backoff)  # Datadog's
    before = snapshot(workspace)

    code, out, err = run(list(c.argv))
    assert waits or "closed-port" not in c.id, "gave up without retrying"

    assert code == c.code, f"exit {code}, stderr:\n{err}"
    assert "internal error" not in err and "Traceback" not in err, err
    lines = err.rstrip("\n").splitlines()
    if c.code == 2 and "usage:" in err:  # argparse: the usage, then one `error:` line
        assert sum("error:" in line for line in lines) == 1, err
    else:
        assert lines[0].startswith(f"ddmigrate {c.verb}: error: "), err
        assert all(line.startswith("  hint: ") for line in lines[1:]), f"one message (plus hints) only:\n{err}"
    assert re.search(c.expect, err), f"expected /{c.expect}/ in:\n{err}"
    after = snapshot(workspace)
    assert after == before, f"files changed: {sorted(set(after.items()) ^ set(before.items()))}"
    assert not secrets_in(workspace, out, err)


# --- beyond the table ----------------------------------------------------------------------------
def test_interrupt_while_writing_a_translation_leaves_nothing(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def interrupted(path: Path, data: Any) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        write_json(path, data)  # store.write_json is fsutil's

    monkeypatch.setattr(store, "write_json", interrupted)
    before = snapshot(workspace)
    code, _, err = run(["translate", "--inventory", "inv-prom", "--out", "tr"])
    assert code == 130
    assert err.strip() == "ddmigrate translate: interrupted"
    assert len(calls) == 2, "interrupted half way through the directory"
    assert snapshot(workspace) == before, "the previous translation is intact and no staging directory is left"


def test_unknown_function_is_a_manual_result_not_an_error(workspace: Path) -> None:
    code, out, err = run(["translate-query", "--json", "nosuchfunc(up)"])
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["fidelity"] == "manual"
    assert result["findings"] == ["promql.unsupported_function"]


def test_report_of_a_plan_from_another_translation_warns(workspace: Path) -> None:
    code, out, err = run(["plan", "--translation", "tr-other", "--out", "other-plan.json"])
    assert code == 0, err
    code, out, err = run(["report", "--translation", "tr", "--plan", "other-plan.json", "--out", "rep"])
    assert code == 0, err
    assert "the plan was made from a different translation" in out
    assert json.loads((workspace / "rep" / "report.json").read_text())["plan"]["matches_translation"] is False


def test_table_covers_every_verb() -> None:
    covered = {c.verb for c in CASES} | {f"collect {c.argv[1]}" for c in CASES if c.verb == "collect"}
    assert set(cli.VERBS) | {"collect prometheus", "collect grafana"} <= covered
    assert len(CASES) >= 40


def test_an_alert_too_complex_to_parse_is_manual_not_a_crash(workspace: Path) -> None:
    """The native PromQL parser dies with SIGSEGV on a few thousand chained operations; the guard turns
    that into the rule's parse-error finding."""
    expr = " + ".join(f"m{i}" for i in range(6000)) + " > 1"
    rules = f"groups:\n  - name: g\n    rules:\n      - alert: Deep\n        expr: {expr}\n"
    (workspace / "deep.yml").write_text(rules, encoding="utf-8")
    assert run(["collect", "prometheus", "--from-files", "deep.yml", "--out", "deep-inv"])[0] == 0
    code, _, err = run(["translate", "--inventory", "deep-inv", "--out", "deep-tr"])
    assert code == 0, err
    [entry] = json.loads((workspace / "deep-tr" / "ledger.json").read_text())["entries"]
    assert entry["outcome"] == "manual"
    assert any(
        f["code"] == "promql.too_deep" and "too complex to parse safely" in f["message"] for f in entry["findings"]
    )


@pytest.mark.parametrize("expr", ["rate(x_total[99999999y])", "x > 10 ^ 400", "x offset 99999999y"])
def test_an_expression_the_translator_fails_on_is_a_manual_result(workspace: Path, expr: str) -> None:
    """A range too long for a timedelta or an overflowing constant used to reach the internal-error boundary."""
    code, out, err = run(["translate-query", "--json", "--", expr])
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["fidelity"] == "manual"
    assert len(result["findings"]) == 1 and result["notes"], result


def test_a_path_that_cannot_be_searched_is_named_not_an_internal_error(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Path.exists() raises PermissionError (EACCES) for a path under a directory that cannot be searched; root
    reads everything, so the kernel's refusal is simulated."""
    real_stat = Path.stat

    def stat(self: Path, **kwargs: Any) -> Any:
        if self.name == "locked.json":
            raise PermissionError(13, "Permission denied", str(self))
        return real_stat(self, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    code, _, err = run(["collect", "grafana", "--from-files", "locked.json", "--out", "new-inv"])
    assert code == 1
    assert err.startswith("ddmigrate collect: error: locked.json: Permission denied\n"), err
    assert "internal error" not in err
