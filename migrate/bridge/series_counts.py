"""Where the cardinality preview gets its series counts: the live Prometheus, or a recorded file.

The preview runs one count query per series (see `cardinality._count_query`) and reads
`/api/v1/status/tsdb`. `LiveCounts` asks the server and keeps every answer; `bridge --preview
--record-series-counts FILE` writes them out, and `bridge --series-counts FILE` replays them offline
through `RecordedCounts`. The file (format `ddmigrate-series-counts/1`) is the answers themselves:

    {"format": "ddmigrate-series-counts/1",
     "prometheus": "http://prometheus:9090",            # where it was recorded (shown, never contacted)
     "recorded_at": "2026-11-20T09:00:00Z",
     "queries": {                                         # PromQL -> the /api/v1/query answer
       "count by (job, instance) ({__name__=\"up\"})":
         [{"metric": {"job": "node", "instance": "10.0.1.11:9100"}, "value": [1763629200, "1"]}]},
     "tsdb": {"headStats": {"numSeries": 182340}, "seriesCountByMetricName": [...]}}   # optional

A query's answer may be the `result` list (as above), or the whole envelope as `curl` returns it. A query
the preview needs that the file lacks is reported (`not_recorded`), never counted as zero silently: it
means the metrics list or the histogram mapping changed since the recording.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from prometheus_api_client import PrometheusConnect
from prometheus_api_client.exceptions import PrometheusApiClientException
from urllib3.util.retry import Retry

from migrate.errors import InputError, RemoteError
from migrate.fsutil import read_json
from migrate.sources.http import HttpClient

FORMAT = "ddmigrate-series-counts/1"
HINT = (
    "record it where Prometheus is reachable: ddmigrate bridge ... --preview --record-series-counts FILE "
    "(format described in migrate/bridge/series_counts.py)"
)


class LiveCounts:
    """The live server; every answer is kept so it can be recorded.

    Instant queries go through prometheus-api-client, the library made for them, on our HttpClient's
    session, so authentication, the User-Agent and error redaction stay those of every other Prometheus call.
    """

    def __init__(self, client: HttpClient) -> None:
        self.client = client
        self.origin = client.display_url
        self.prom = PrometheusConnect(
            url=client.base_url,
            session=client.session,
            timeout=int(client.timeout),
            retry=Retry(
                total=client.retries,
                backoff_factor=client.backoff,
                status_forcelist=(500, 502, 503, 504),
                allowed_methods=("GET",),
            ),
        )
        self.answers: dict[str, list[dict[str, Any]]] = {}
        self.tsdb_data: dict[str, Any] | None = None
        self.missing: list[str] = []  # never filled: the server answers every query

    def count(self, promql: str) -> list[dict[str, Any]]:
        try:
            result = self.prom.custom_query(promql)
        except PrometheusApiClientException as exc:
            raise RemoteError(
                f"{self.origin}/api/v1/query failed for {promql!r}: {self.client.redact(str(exc))}",
                hint="is PROMETHEUS_URL the server's base URL, and the query valid?",
            ) from None
        except requests.RequestException as exc:
            raise RemoteError(
                f"cannot query {self.origin}/api/v1/query: {self.client.redact(str(exc))}",
                hint="check that the server is running and PROMETHEUS_URL points at it",
            ) from None
        rows = [r for r in result or [] if isinstance(r, dict)]
        self.answers[promql] = rows
        return rows

    def tsdb(self) -> dict[str, Any]:
        try:
            body = self.client.get_json("/api/v1/status/tsdb")
        except RemoteError as exc:
            return {"error": exc.message}
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            return {"error": "unexpected /api/v1/status/tsdb response"}
        self.tsdb_data = data
        return data

    def recording(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": FORMAT,
            "prometheus": self.origin,
            "recorded_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "queries": dict(sorted(self.answers.items())),
        }
        if self.tsdb_data is not None:
            out["tsdb"] = self.tsdb_data
        return out


class RecordedCounts:
    """Answers replayed from a file written by `LiveCounts.recording()` (or by hand, same format)."""

    def __init__(self, path: Path) -> None:
        data = read_json(path)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InputError(f'not a series-counts file: expected "format": "{FORMAT}"', path=str(path), hint=HINT)
        queries = data.get("queries")
        if not isinstance(queries, dict):
            raise InputError("`queries` must be an object of PromQL -> query answer", path=str(path), hint=HINT)
        self.queries = {str(q): _rows(answer, q, path) for q, answer in queries.items()}
        tsdb = data.get("tsdb")
        if tsdb is not None and not isinstance(tsdb, dict):
            raise InputError("`tsdb` must be the /api/v1/status/tsdb `data` object", path=str(path))
        self.tsdb_data = tsdb
        recorded_at = data.get("recorded_at")
        self.origin = f"{path} (recorded from {data.get('prometheus', 'an unnamed server')}" + (
            f" at {recorded_at})" if recorded_at else ")"
        )
        self.missing: list[str] = []

    def count(self, promql: str) -> list[dict[str, Any]]:
        if promql not in self.queries:
            self.missing.append(promql)
            return []
        return self.queries[promql]

    def tsdb(self) -> dict[str, Any]:
        return self.tsdb_data if self.tsdb_data is not None else {"error": "not recorded"}


def _rows(answer: Any, query: str, path: Path) -> list[dict[str, Any]]:
    if isinstance(answer, dict) and answer.get("status") == "success":
        answer = (answer.get("data") or {}).get("result")
    if not isinstance(answer, list):
        raise InputError(f"the answer to {query!r} must be a list of {{metric, value}} rows", path=str(path), hint=HINT)
    for row in answer:
        value = row.get("value") if isinstance(row, dict) else None
        if not (
            isinstance(row, dict)
            and isinstance(row.get("metric"), dict)
            and isinstance(value, list)
            and len(value) == 2
            and _is_count(value[1])
        ):
            raise InputError(
                f"the answer to {query!r} has a malformed row {row!r}",
                path=str(path),
                hint='each row is {"metric": {"job": ..., "instance": ...}, "value": [time, "count"]}',
            )
    return answer


def _is_count(value: Any) -> bool:
    try:
        return float(value) >= 0
    except (TypeError, ValueError):
        return False
