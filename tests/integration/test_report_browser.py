"""report.html in real headless Chromium: no console output, no network, figures in the DOM, filters and
search that work, readable with JavaScript off, hostile source strings shown as text, a screenshot."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from migrate.commands.accept import accept
from migrate.commands.report import report
from tests.support import auditdata
from tests.support.browser import Chromium, Page

pytestmark = pytest.mark.browser

NAMES = {"E": auditdata.HOSTILE["title"], "A": auditdata.HOSTILE["alert"], "M": auditdata.HOSTILE["link"]}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """Two tools; prometheus applied, verified, one parity difference and one acceptance; hostile names."""
    root = tmp_path_factory.mktemp("browser-report")
    t, w = root / "translation", root / "work"
    w.mkdir()
    objs = auditdata.build(t, sources=("prometheus", "grafana"), names=NAMES, query=auditdata.HOSTILE["query"])
    p = objs["prometheus"]
    auditdata.apply(w, [p[x][1] for x in "EAM"])
    auditdata.verify(w, [p[x][1] for x in "EAM"])
    series = {"source": [[0, 1.0], [60, 2.0], [120, 3.0]], "datadog": [[0, 1.0], [60, 2.5], [120, 4.0]]}
    auditdata.add_parity(
        t, {p["A"][0].key: {"verdict": "differs", "detail": "max relative difference 33%", "series": series}}
    )
    accept(translation_dir=t, refs=[p["M"][0].key], reason=auditdata.HOSTILE["link"], by="auditor", workdir=w)
    result = report(translation_dir=t, out=root / "report", workdir=w)
    return result.html_path, result.data


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    with Chromium() as b:
        yield b


@pytest.fixture(scope="module")
def page(browser: Chromium, built: tuple[Path, dict[str, Any]]) -> Page:
    page = browser.open(built[0])
    page.settle()
    return page


def visible(page: Page) -> list[dict[str, str]]:
    return cast(
        list[dict[str, str]],
        page.evaluate(
            "Array.prototype.filter.call(document.querySelectorAll('#items > tbody > tr'), function (r) {"
            " return !r.hidden; }).map(function (r) { return Object.assign({key: r.id.slice(4)}, r.dataset); })"
        ),
    )


def choose(page: Page, select: str, value: str) -> None:
    page.evaluate(
        f"(function () {{ var s = document.getElementById({json.dumps(select)}); s.value = {json.dumps(value)};"
        " s.dispatchEvent(new Event('change')); }())"
    )


def test_loads_without_console_output_or_network(page: Page, built: tuple[Path, dict[str, Any]]) -> None:
    assert page.console == []
    assert page.exceptions == []
    assert page.dialogs == []
    assert page.requests == [built[0].resolve().as_uri()], "the page fetched something besides itself"


def test_key_figures_are_in_the_rendered_page(page: Page, built: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    data = built[1]
    for tool in data["tools"]:
        for figure in ("total", "applied", "verified", "parity_checked", "accepted", "blocked", "exact", "manual"):
            shown = page.evaluate(
                f"document.querySelector('article.tool[data-tool={json.dumps(tool['tool'])}] "
                f"[data-figure={figure}]').textContent"
            )
            expected = tool["by_outcome"].get(figure, tool.get(figure))
            assert shown == str(expected), (tool["tool"], figure)
        gate = page.evaluate(
            f"document.querySelector('article.tool[data-tool={json.dumps(tool['tool'])}] [data-gate]').dataset.gate"
        )
        assert gate == ("pass" if tool["gate"]["passes"] else "blocked")
    prometheus = next(t for t in data["tools"] if t["tool"] == "prometheus")
    assert (prometheus["verified"], prometheus["accepted"], prometheus["parity_checked"]) == (1, 1, 1)
    assert page.evaluate("document.querySelectorAll('#items svg polyline').length") == 2, "the parity sketch"
    shot = page.screenshot(tmp_path / "report.png")
    print(f"screenshot: {shot}")  # noqa: T201 (the test artifact's path)
    assert shot.stat().st_size > 10_000


def test_filters_and_search(page: Page, built: tuple[Path, dict[str, Any]]) -> None:
    rows = [r for group in built[1]["items"].values() for r in group]
    filters: list[tuple[str, str, Callable[[dict[str, Any]], bool]]] = [
        ("f-tool", "grafana", lambda r: r["source"] == "grafana"),
        ("f-kind", "recording_rule", lambda r: r["kind"] == "recording_rule"),
        ("f-outcome", "approximate", lambda r: r["outcome"] == "approximate"),
        (
            "f-code",
            "promql.unsupported_function",
            lambda r: any(f["code"] == "promql.unsupported_function" for f in r["findings"]),
        ),
        ("f-gate", "accepted", lambda r: r["gate"] == "accepted"),
    ]
    assert len(visible(page)) == len(rows)
    for select, value, keep in filters:
        choose(page, select, value)
        shown = visible(page)
        assert sorted(r["key"] for r in shown) == sorted(r["key"] for r in rows if keep(r)), (select, value)
        assert shown, (select, value)
        assert page.evaluate("document.getElementById('f-shown').textContent") == str(len(shown))
        choose(page, select, "")
    # search types into the box like a user: matches on a query's text, case-insensitively
    page.evaluate("document.getElementById('f-search').focus()")
    page.send("Input.insertText", text="HOLT_WINTERS")
    shown = visible(page)
    assert {s["outcome"] for s in shown} == {"manual"} and len(shown) == 2
    page.evaluate(
        "(function (s) { s.value = ''; s.dispatchEvent(new Event('input')); }(document.getElementById('f-search')))"
    )
    assert len(visible(page)) == len(rows)


def test_hostile_strings_render_as_text_and_run_nothing(page: Page) -> None:
    # textContent, not innerText: rows off screen are not rendered (content-visibility), but are in the DOM.
    text = page.evaluate("document.body.textContent")
    for letter, name in NAMES.items():
        assert name in text, letter
    assert auditdata.HOSTILE["query"] in text
    assert page.evaluate("document.title") == "ddmigrate migration report"
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 2, "only the page's own two scripts"
    assert page.evaluate(
        "Array.prototype.every.call(document.querySelectorAll('a[href]'), function (a) {"
        " return /^(https:\\/\\/app\\.|#)/.test(a.getAttribute('href')); })"
    )
    assert page.dialogs == [] and page.console == []


def test_readable_with_javascript_off(browser: Chromium, built: tuple[Path, dict[str, Any]]) -> None:
    page = browser.open(built[0], javascript=False)
    data = built[1]
    assert page.evaluate("document.querySelectorAll('#items > tbody > tr').length") == data["summary"]["total"]
    assert page.evaluate("document.getElementById('filters').hidden") is True, "controls that cannot work stay hidden"
    text = page.evaluate("document.body.innerText")
    assert all(t["tool"] in text for t in data["tools"])
    assert data["integrity"]["fingerprint"] in text
    assert page.console == [] and page.dialogs == []


def test_prints_every_row_without_the_controls(browser: Chromium, built: tuple[Path, dict[str, Any]]) -> None:
    page = browser.open(built[0])
    choose(page, "f-tool", "grafana")  # a filtered view on screen still prints in full
    page.send("Emulation.setEmulatedMedia", media="print")
    shown = page.evaluate(
        "Array.prototype.filter.call(document.querySelectorAll('#items > tbody > tr'), function (r) {"
        " return getComputedStyle(r).display !== 'none'; }).length"
    )
    assert shown == built[1]["summary"]["total"]
    assert page.evaluate("getComputedStyle(document.getElementById('filters')).display") == "none"
    assert len(page.send("Page.printToPDF", printBackground=True)["data"]) > 10_000
