"""Grafana collector: files (JSON, exports, legacy rows, ConfigMaps, directories) and the HTTP API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
import responses

from migrate.errors import InputError, RemoteError
from migrate.sources import grafana
from migrate.sources.grafana_normalize import DatasourceResolver, normalize_dashboard

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "grafana"


def _dash(**extra: object) -> dict[str, object]:
    return {
        "uid": "pay",
        "title": "Payments",
        "tags": ["payments"],
        "panels": [
            {"type": "row", "id": 1, "title": "Top", "gridPos": {"x": 0, "y": 0, "w": 24, "h": 1}},
            {
                "type": "timeseries",
                "id": 2,
                "title": "RPS",
                "gridPos": {"x": 0, "y": 1, "w": 12, "h": 8},
                "targets": [
                    {"refId": "A", "expr": "rate(x_total[5m])", "legendFormat": "{{code}}"},
                    {"refId": "B", "expr": "rate(y_total[5m])", "hide": True},
                ],
            },
            {
                "type": "row",
                "id": 3,
                "title": "Hidden",
                "collapsed": True,
                "gridPos": {"x": 0, "y": 9, "w": 24, "h": 1},
                "panels": [
                    {
                        "type": "stat",
                        "id": 4,
                        "title": "Logs",
                        "gridPos": {"x": 0, "y": 10, "w": 6, "h": 4},
                        "datasource": {"type": "loki", "uid": "lk"},
                        "targets": [{"refId": "A", "expr": '{app="x"}'}],
                    }
                ],
            },
        ],
        **extra,
    }


def test_panels_flattened_with_rows_and_targets_kept() -> None:
    objects = normalize_dashboard(_dash(), origin="f.json")
    dash, panels = objects[0], objects[1:]
    assert dash.ref.key == "grafana/dashboard/pay"
    assert [r["title"] for r in dash.normalized["rows"]] == ["Top", "Hidden"]
    assert [p.ref.id for p in panels] == ["pay/2", "pay/4"]
    rps, logs = (p.normalized for p in panels)
    assert rps["row"] == "1" and logs["row"] == "3"
    assert [t["hidden"] for t in rps["targets"]] == [False, True]
    assert logs["datasource_kind"] == "loki"
    assert dash.normalized["panels"][1]["targets"] == 1


@pytest.mark.parametrize(
    ("datasource", "kind"),
    [
        (None, "prometheus"),
        ("${DS_PROMETHEUS}", "prometheus"),
        ("$datasource", "prometheus"),
        ({"type": "prometheus", "uid": "abc"}, "prometheus"),
        ({"uid": "${DS_LOKI}"}, "loki"),
        ("-- Grafana --", "grafana"),
        ({"type": "datasource", "uid": "-- Mixed --"}, "mixed"),
        ("Elastic logs", "unknown:Elastic logs"),
        ("default", "prometheus"),  # Grafana's default datasource: the dashboard's, Prometheus here
    ],
)
def test_datasource_spellings(datasource: object, kind: str) -> None:
    dashboard = {
        "__inputs": [
            {"name": "DS_PROMETHEUS", "type": "datasource", "pluginId": "prometheus"},
            {"name": "DS_LOKI", "type": "datasource", "pluginId": "loki"},
        ],
        "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]},
    }
    assert DatasourceResolver(dashboard).kind(datasource) == kind


def test_default_null_and_mixed_resolve_to_the_dashboards_default_datasource() -> None:
    loki = {"__inputs": [{"name": "DS_LOKI", "type": "datasource", "pluginId": "loki"}]}
    assert DatasourceResolver(loki).kind("default") == "loki"
    assert DatasourceResolver(loki).kind(None) == "loki"
    prom = {"templating": {"list": [{"name": "ds", "type": "datasource", "query": "prometheus"}]}}
    dashboard = {
        **prom,
        "uid": "d",
        "title": "D",
        "panels": [
            {
                "id": 1,
                "type": "timeseries",
                "datasource": {"type": "datasource", "uid": "-- Mixed --"},
                "targets": [{"refId": "A", "expr": "up", "datasource": "default"}, {"refId": "B", "expr": "up"}],
            },
            {"id": 2, "type": "timeseries", "datasource": "default", "targets": [{"refId": "A", "expr": "up"}]},
        ],
    }
    objects = normalize_dashboard(dashboard, origin="files")
    kinds = [t["datasource_kind"] for o in objects if o.ref.kind == "panel" for t in o.normalized["targets"]]
    assert kinds == ["prometheus", "prometheus", "prometheus"]


def test_legacy_rows_get_grid_positions() -> None:
    legacy = {
        "uid": "old",
        "title": "Old",
        "rows": [
            {
                "title": "A",
                "height": "300px",
                "panels": [
                    {"id": 1, "type": "graph", "span": 6, "targets": []},
                    {"id": 2, "type": "singlestat", "span": 6, "targets": []},
                ],
            },
        ],
    }
    panels = normalize_dashboard(legacy, origin="x")[1:]
    assert [p.normalized["grid"] for p in panels] == [
        {"x": 0, "y": 1, "w": 12, "h": 10},
        {"x": 12, "y": 1, "w": 12, "h": 10},
    ]


def test_corpus_configmap_list_and_directory() -> None:
    collected = grafana.collect_files([CORPUS / "kube-prometheus"])
    assert len(collected.dashboards()) == 33  # SOURCES.md: 1 ConfigMapList, 33 dashboards
    every = grafana.collect_files([CORPUS])
    uids = [d.ref.id for d in every.dashboards()]
    assert len(uids) == len(set(uids))
    assert any("also in" in w for w in every.warnings)  # the mixin dashboards ship in both places


def test_bad_files_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"title": "x",\n "panels": [', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.json:2: invalid JSON"):
        grafana.collect_files([bad])
    other = tmp_path / "rules.yaml"
    other.write_text("groups: []\n", encoding="utf-8")
    with pytest.raises(InputError, match="no Grafana dashboard found"):
        grafana.collect_files([other])
    cm = tmp_path / "cm.yaml"
    cm.write_text("kind: ConfigMap\ndata:\n  d.json: '{not json'\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"ConfigMap key 'd\.json' is not valid JSON"):
        grafana.collect_files([cm])
    with pytest.raises(InputError, match="not found"):
        grafana.collect_files([tmp_path / "missing"])


@responses.activate
def test_api_pages_search_and_keeps_folders() -> None:
    base = "http://grafana.test"
    hits = [{"uid": f"d{i}", "title": f"D{i}", "type": "dash-db"} for i in range(3)]
    grafana_page = grafana.PAGE_SIZE
    try:
        grafana.PAGE_SIZE = 2  # force a second page
        responses.get(f"{base}/api/datasources", json=[{"name": "Prom", "uid": "p1", "type": "prometheus"}])
        responses.get(
            f"{base}/api/search",
            json=hits[:2],
            match=[responses.matchers.query_param_matcher({"type": "dash-db", "limit": "2", "page": "1"})],
        )
        responses.get(
            f"{base}/api/search",
            json=hits[2:],
            match=[responses.matchers.query_param_matcher({"type": "dash-db", "limit": "2", "page": "2"})],
        )
        for hit in hits:
            body = {
                "dashboard": {**_dash(), "uid": hit["uid"], "title": hit["title"]},
                "meta": {"folderTitle": "Payments", "folderUid": "f1"},
            }
            responses.get(f"{base}/api/dashboards/uid/{hit['uid']}", json=body)
        inv = grafana.collect({"env": {"GRAFANA_URL": base, "GRAFANA_TOKEN": "glsa_secret"}})
    finally:
        grafana.PAGE_SIZE = grafana_page
    dashboards = inv.by_kind("dashboard")
    assert [d.ref.id for d in dashboards] == ["d0", "d1", "d2"]
    assert {d.normalized["folder"] for d in dashboards} == {"Payments"}
    assert responses.calls[1].request.headers["Authorization"] == "Bearer glsa_secret"
    assert "glsa_secret" not in json.dumps([o.to_dict() for o in inv.objects]) + inv.origin


@responses.activate
def test_api_refusal_is_a_readable_error() -> None:
    responses.get("http://g.test/api/datasources", status=403)
    responses.get("http://g.test/api/search", status=401, body="unauthorized")
    with pytest.raises(RemoteError, match="HTTP 401"):
        grafana.collect_api({"GRAFANA_URL": "http://g.test"}, session=requests.Session())


def _dashboard(uid: str) -> str:
    return json.dumps({"uid": uid, "title": uid, "panels": [{"id": 1, "type": "timeseries", "title": "p"}]})


def test_files_are_decided_by_content_and_what_is_skipped_is_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files without a .json name were skipped silently ("(no objects)", exit 0); an unreadable sub-directory
    too. Now content decides, a file that is no dashboard is listed as skipped, an unreadable one recorded."""
    import os

    (tmp_path / "d" / "locked").mkdir(parents=True)
    (tmp_path / "d" / "exported").write_text(_dashboard("noext"), encoding="utf-8")
    (tmp_path / "d" / "dash.txt").write_text(_dashboard("txt"), encoding="utf-8")
    (tmp_path / "d" / "README.md").write_text("# dashboards\n\nExported from Grafana.\n", encoding="utf-8")
    (tmp_path / "d" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    (tmp_path / "d" / "broken.json").write_text('{"title": ', encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:  # root reads everything, so refuse the way the kernel would
        if Path(str(path)) == tmp_path / "d" / "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", scandir)
    collected = grafana.collect_files([tmp_path / "d"])
    assert sorted(o.ref.id for o in collected.dashboards()) == ["noext", "txt"]
    assert collected.unreadable == [
        {"path": str(tmp_path / "d" / "locked"), "reason": "cannot read directory: Permission denied"},
        {"path": str(tmp_path / "d" / "broken.json"), "reason": "invalid JSON: Expecting value"},
    ]
    skipped = [w for w in collected.warnings if w.startswith("skipped ")]
    assert any(str(tmp_path / "d" / "README.md") in w and "no Grafana dashboard" in w for w in skipped)
    assert any(str(tmp_path / "d" / "logo.png") in w and "not a UTF-8" in w for w in skipped)


def test_a_helm_templated_dashboard_names_helm_template(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text(
        '{\n  "title": "{{ .Values.title }}",\n  "panels": {{ toJson .Values.panels }}\n}\n', encoding="utf-8"
    )
    with pytest.raises(InputError) as exc:
        grafana.collect_files([path])
    assert exc.value.hint is not None and "helm template" in exc.value.hint


def test_manifests_beside_the_dashboards_are_skipped_and_deep_dashboards_survive_the_inventory(
    tmp_path: Path,
) -> None:
    """A Deployment or Secret in a GitOps folder of dashboards is listed as skipped (not a failure, content
    never quoted); a dashboard nested just under the input limit is collected and read back by translate."""
    from migrate.commands.collect import collect
    from migrate.commands.translate import translate
    from migrate.limits import MAX_DEPTH

    (tmp_path / "d").mkdir()
    deep: object = "leaf"
    for _ in range(MAX_DEPTH - 1):  # the dashboard is exactly at the limit
        deep = [deep]
    board = {"uid": "deep", "title": "deep", "panels": [{"id": 1, "type": "text", "title": "t"}], "x": deep}
    (tmp_path / "d" / "deep.json").write_text(json.dumps(board), encoding="utf-8")
    (tmp_path / "d" / "secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: aHVudGVyMg==}\n", encoding="utf-8"
    )
    result = collect("grafana", out=tmp_path / "inv", from_files=[tmp_path / "d"])
    assert [o.ref.id for o in result.inventory.by_kind("dashboard")] == ["deep"]
    assert result.inventory.unreadable == []
    assert any(str(tmp_path / "d" / "secret.yaml") in w and w.startswith("skipped") for w in result.inventory.warnings)
    assert "aHVudGVyMg" not in json.dumps(result.inventory.warnings)
    translate(inventories=[tmp_path / "inv"], out=tmp_path / "tr")
