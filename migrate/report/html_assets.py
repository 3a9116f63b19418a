"""The report page's style and script, inlined into report.html (no external asset, no network).

The script only filters rows that are already in the page: with JavaScript off every row is shown
and the filter controls stay hidden. It builds no markup from data, so it cannot inject any.
"""

from __future__ import annotations

import base64
import hashlib

CSS = """
:root{--ok:#1a7f37;--bad:#b42318;--warn:#b54708;--muted:#667085;--line:#d0d5dd;
--exact:#1a7f37;--approximate:#dc6803;--manual:#b42318;--skipped:#98a2b3;--verified:#1a7f37;
--accepted:#2e90fa;--blocked:#b42318}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1400px;
padding:0 16px;color:#101828}
h1{font-size:22px;margin:16px 0 4px}h2{font-size:18px;border-bottom:1px solid var(--line);padding-bottom:4px;
margin-top:28px}
code{overflow-wrap:anywhere}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
pre{white-space:pre-wrap;word-break:break-word;margin:2px 0;background:#f9fafb;padding:4px 6px;
border:1px solid #eaecf0}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid var(--line);padding:4px 6px;
text-align:left;vertical-align:top}
th{background:#f2f4f7}td{overflow-wrap:anywhere}td.n,th.n{text-align:right}
.tools{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:12px}
.tool{border:1px solid var(--line);border-radius:6px;padding:8px 12px}.tool h3{margin:4px 0}
.tool dl{display:grid;grid-template-columns:auto auto;gap:0 12px;
margin:4px 0}.tool dt{color:var(--muted)}.tool dd{margin:0;text-align:right}
.pass{color:var(--ok);font-weight:600}.fail{color:var(--bad);font-weight:600}
.badge{display:inline-block;border-radius:3px;padding:0 5px;color:#fff;font-size:12px}
.b-exact,.b-verified,.b-agrees{background:var(--exact)}.b-approximate{background:var(--approximate)}
.b-manual,.b-blocked,.b-differs,.b-failed{background:var(--manual)}
.b-skipped,.b-none,.b-no_data{background:var(--skipped)}
.b-accepted{background:var(--accepted)}.b-not_applied,.b-not_verified,.b-stale{background:var(--warn)}
.q{display:grid;grid-template-columns:1fr 1fr;gap:6px}.q h4{margin:0;font-size:12px;color:var(--muted)}
.muted{color:var(--muted)}ul.f{margin:0;padding-left:16px}
#filters{position:sticky;top:0;background:#fff;padding:6px 0;border-bottom:1px solid var(--line);z-index:1}
#filters label{margin-right:10px}
/* The object table lays out as a grid of rows, so rows off screen are not laid out until scrolled to
   (content-visibility): a table of 1,500 objects otherwise takes seconds to load. */
#items,#items thead,#items tbody{display:block}
#items tr{display:grid;grid-template-columns:15fr 12fr 19fr 21fr 7fr 7fr 8fr 6fr 8fr}
#items tbody tr{content-visibility:auto;contain-intrinsic-size:auto 150px}
#items th,#items td{display:block;min-width:0}#items tr[hidden]{display:none}
@media print{#filters,nav{display:none}tr{break-inside:avoid}#items tr[hidden]{display:grid}body{max-width:none}
a{color:inherit}}
"""

JS = """
(function () {
  'use strict';
  var box = document.getElementById('filters');
  var rows = Array.prototype.slice.call(document.querySelectorAll('#items > tbody > tr'));
  var texts = null;
  var get = function (id) { return document.getElementById(id); };
  var inputs = ['f-tool', 'f-kind', 'f-outcome', 'f-code', 'f-gate', 'f-search'].map(get);
  var shown = get('f-shown');
  function apply() {
    var v = inputs.map(function (el) { return el.value; });
    var q = v[5].trim().toLowerCase();
    if (q && texts === null) {
      texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
    }
    var n = 0;
    for (var i = 0; i < rows.length; i++) {
      var d = rows[i].dataset;
      var ok = (!v[0] || d.tool === v[0]) && (!v[1] || d.kind === v[1]) && (!v[2] || d.outcome === v[2]) &&
        (!v[3] || (' ' + d.codes + ' ').indexOf(' ' + v[3] + ' ') >= 0) && (!v[4] || d.gate === v[4]) &&
        (!q || texts[i].indexOf(q) >= 0);
      rows[i].hidden = !ok;
      if (ok) { n++; }
    }
    shown.textContent = String(n);
  }
  inputs.forEach(function (el) {
    el.addEventListener(el.tagName === 'INPUT' ? 'input' : 'change', apply);
  });
  box.hidden = false;
  apply();
}());
"""


def script_hash() -> str:
    """The Content-Security-Policy source for JS: only this exact script may run in the page."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(JS.encode("utf-8")).digest()).decode("ascii") + "'"
