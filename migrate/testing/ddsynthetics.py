"""The local server's synthetics beyond API test CRUD: browser tests, global variables, locations, test runs.

Browser tests share the API tests' store (`store.synthetics`: one list endpoint, one delete endpoint, as in
Datadog). Global variables are write-only where Datadog makes them so: a secure variable's value is kept
(a run resolves it) but never answered. A triggered run's outcome is decided here, deterministically: a
test fails when a request goes to the host `fail.example`, when a global variable it names by id does not
exist, or when `outcomes[public_id]` says so (an injected failure reason); a batch reads `in_progress` for
its first `pending_polls` reads, so tests cover waiting and timing out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from migrate.datadog.browser_tests import SYNTHETIC_BROWSER_TEST
from migrate.datadog.global_variables import SYNTHETIC_GLOBAL_VARIABLE
from migrate.datadog.validate import validate_payload, validate_request
from migrate.testing.collection import Result, Route

__all__ = ["FAIL_HOST", "LOCATIONS", "SYNTHETIC_BROWSER_TEST", "SYNTHETIC_GLOBAL_VARIABLE", "SyntheticRuns"]

FAIL_HOST = "fail.example"
# A fixed list of managed locations (ids as Datadog spells them: the managed list migrate/data/mappings/synthetics.yaml
# ships, so the sample's tests plan against this server as against a real site).
LOCATIONS = (
    ("aws:af-south-1", "aws:af-south-1"),
    ("aws:ap-east-1", "aws:ap-east-1"),
    ("aws:ap-northeast-1", "Tokyo (AWS)"),
    ("aws:ap-northeast-2", "aws:ap-northeast-2"),
    ("aws:ap-northeast-3", "aws:ap-northeast-3"),
    ("aws:ap-south-1", "aws:ap-south-1"),
    ("aws:ap-southeast-1", "aws:ap-southeast-1"),
    ("aws:ap-southeast-2", "aws:ap-southeast-2"),
    ("aws:ap-southeast-3", "aws:ap-southeast-3"),
    ("aws:ca-central-1", "aws:ca-central-1"),
    ("aws:eu-central-1", "Frankfurt (AWS)"),
    ("aws:eu-north-1", "aws:eu-north-1"),
    ("aws:eu-south-1", "aws:eu-south-1"),
    ("aws:eu-west-1", "Ireland (AWS)"),
    ("aws:eu-west-2", "aws:eu-west-2"),
    ("aws:eu-west-3", "aws:eu-west-3"),
    ("aws:me-south-1", "aws:me-south-1"),
    ("aws:sa-east-1", "aws:sa-east-1"),
    ("aws:us-east-1", "N. Virginia (AWS)"),
    ("aws:us-east-2", "aws:us-east-2"),
    ("aws:us-west-1", "aws:us-west-1"),
    ("aws:us-west-2", "Oregon (AWS)"),
    ("azure:eastus", "Virginia (Azure)"),
    ("gcp:asia-northeast1", "gcp:asia-northeast1"),
    ("gcp:europe-west3", "Frankfurt (GCP)"),
    ("gcp:us-east4", "gcp:us-east4"),
    ("gcp:us-west1", "gcp:us-west1"),
)


def _err(status: int, *messages: str) -> Result:
    return status, {"errors": list(messages)}


def _requests(node: Any) -> Iterator[dict[str, Any]]:
    """Every request a test makes (its own, or each step's)."""
    if isinstance(node, dict):
        if isinstance(node.get("request"), dict):
            yield node["request"]
        for value in node.values():
            yield from _requests(value)
    elif isinstance(node, list):
        for value in node:
            yield from _requests(value)


@dataclass
class Run:
    public_id: str
    result_id: str
    location: str
    passed: bool
    reason: str


@dataclass
class SyntheticRuns:
    """Browser test, global variable, location and test-run handlers over the store's tests."""

    tests: dict[str, dict[str, Any]]
    new_test: Callable[[dict[str, Any]], dict[str, Any]]
    new_id: Callable[[], int]
    str_id: Callable[[], str]
    now: Callable[[], str]
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)  # public_id -> failure reason to report
    pending_polls: int = 0
    runs: dict[str, Run] = field(default_factory=dict)
    # public_id -> stored results (SyntheticsAPITestResultShort / SyntheticsBrowserTestResultShort), as a
    # test's history Datadog keeps; `record_result` adds one, the results listing answers them.
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    batches: dict[str, list[str]] = field(default_factory=dict)  # batch id -> result ids
    _reads: dict[str, int] = field(default_factory=dict)

    # --- browser tests --------------------------------------------------------------------------------
    def _browser(self, m: re.Match[str]) -> dict[str, Any] | None:
        test = self.tests.get(m["id"])
        return test if test is not None and test.get("type") == "browser" else None

    def create_browser(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        if errors := validate_payload(SYNTHETIC_BROWSER_TEST.name, body, require_owner=False):
            return _err(400, *errors)
        return 200, self.new_test(body)

    def get_browser(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        test = self._browser(m)
        return (200, test) if test else _err(404, "Synthetics test not found")

    def update_browser(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        old = self._browser(m)
        if old is None:
            return _err(404, "Synthetics test not found")
        if errors := validate_payload(SYNTHETIC_BROWSER_TEST.name, body, require_owner=False):
            return _err(400, *errors)
        keep = {k: old[k] for k in ("public_id", "monitor_id", "created_at", "creator", "status")}
        self.tests[m["id"]] = dict(body, **keep, modified_at=self.now())
        return 200, self.tests[m["id"]]

    # --- global variables -----------------------------------------------------------------------------
    @staticmethod
    def _public(variable: dict[str, Any]) -> dict[str, Any]:
        """What Datadog answers: a secure variable's value is write-only."""
        value = dict(variable.get("value") or {})
        if value.get("secure"):
            value.pop("value", None)
        return {**variable, "value": value}

    def new_variable(self, body: dict[str, Any]) -> dict[str, Any]:
        variable = dict(body, id=f"{self.new_id():08d}-0000-4000-8000-000000000000", created_at=self.now())
        variable.setdefault("is_totp", False)
        variable.setdefault("is_fido", False)
        self.variables[variable["id"]] = variable
        return self._public(variable)

    def create_variable(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        if errors := validate_payload(SYNTHETIC_GLOBAL_VARIABLE.name, body, require_owner=False):
            return _err(400, *errors)
        if any(v.get("name") == body.get("name") for v in self.variables.values()):
            return _err(409, f"A global variable named {body.get('name')} already exists")
        return 200, self.new_variable(body)

    def list_variables(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        return 200, {"variables": [self._public(v) for v in self.variables.values()]}

    def get_variable(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        variable = self.variables.get(m["id"])
        return (200, self._public(variable)) if variable else _err(404, "Synthetics global variable not found")

    def edit_variable(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        old = self.variables.get(m["id"])
        if old is None:
            return _err(404, "Synthetics global variable not found")
        if errors := validate_request(SYNTHETIC_GLOBAL_VARIABLE.name, "update", body):
            return _err(400, *errors)
        value = {**(old.get("value") or {}), **(body.get("value") or {})}  # a value left out is kept
        self.variables[m["id"]] = {**old, **body, "value": value, "id": old["id"], "modified_at": self.now()}
        return 200, self._public(self.variables[m["id"]])

    def delete_variable(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        if self.variables.pop(m["id"], None) is None:
            return _err(404, "Synthetics global variable not found")
        return 200, None

    def secret_value(self, name: str) -> str | None:
        """The stored value of the variable `name` (for tests that check what apply sent)."""
        found = next((v for v in self.variables.values() if v.get("name") == name), None)
        return None if found is None else (found.get("value") or {}).get("value")

    # --- locations and runs ---------------------------------------------------------------------------
    def list_locations(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        return 200, {"locations": [{"id": i, "name": n} for i, n in LOCATIONS]}

    def _outcome(self, test: dict[str, Any]) -> tuple[bool, str]:
        if test["public_id"] in self.outcomes:
            return False, self.outcomes[test["public_id"]]
        config = test.get("config") or {}
        for request in _requests([config, test.get("steps")]):
            host = request.get("host") or urlsplit(str(request.get("url") or "")).hostname
            if host == FAIL_HOST:
                return False, f"Error: getaddrinfo ENOTFOUND {FAIL_HOST}"
        for variable in config.get("configVariables") or []:
            if variable.get("type") == "global" and variable.get("id") not in self.variables:
                return False, f"global variable {variable.get('name')} ({variable.get('id')}) not found"
        return True, ""

    def trigger(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        wanted = [str(t.get("public_id")) for t in (body or {}).get("tests") or [] if isinstance(t, dict)]
        if not wanted or any(p not in self.tests for p in wanted):
            return _err(400, "tests: every item needs the public_id of an existing test")
        batch_id, results = self.str_id(), list[dict[str, Any]]()
        for public_id in wanted:
            test = self.tests[public_id]
            passed, reason = self._outcome(test)
            for location in test.get("locations") or []:
                run = Run(public_id, str(self.new_id()), location, passed, reason)
                self.runs[run.result_id] = run
                number = next((i for i, (name, _) in enumerate(LOCATIONS) if name == location), -1)
                results.append({"public_id": public_id, "result_id": run.result_id, "location": number})
        self.batches[batch_id] = [str(r["result_id"]) for r in results]
        locations = [{"id": i, "name": name} for i, (name, _) in enumerate(LOCATIONS)]
        return 200, {"batch_id": batch_id, "results": results, "triggered_check_ids": wanted, "locations": locations}

    def batch(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        if m["id"] not in self.batches:
            return _err(404, "Batch not found")
        reads = self._reads[m["id"]] = self._reads.get(m["id"], 0) + 1
        pending = reads <= self.pending_polls
        results = []
        for run in (self.runs[r] for r in self.batches[m["id"]]):
            status = "in_progress" if pending else ("passed" if run.passed else "failed")
            test = self.tests.get(run.public_id) or {}
            results.append(
                {
                    "test_public_id": run.public_id,
                    "test_name": test.get("name", ""),
                    "test_type": test.get("type", "api"),
                    "result_id": run.result_id,
                    "location": run.location,
                    "status": status,
                    "execution_rule": "blocking",
                    "retries": 0,
                    "duration": 120.0,
                }
            )
        overall = "in_progress" if pending else ("passed" if all(r.passed for r in self._runs(m)) else "failed")
        return 200, {"data": {"status": overall, "results": results, "metadata": {}}}

    def _runs(self, m: re.Match[str]) -> list[Run]:
        return [self.runs[r] for r in self.batches[m["id"]]]

    def result(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        run = self.runs.get(m["result"])
        if run is None or run.public_id != m["id"]:
            return _err(404, "Result not found")
        data: dict[str, Any] = {"passed": run.passed}
        if not run.passed:
            data["failure"] = {"code": "INCORRECT_ASSERTION", "message": run.reason}
        return 200, {"result_id": run.result_id, "probe_dc": run.location, "status": 0, "result": data}

    # --- stored results (a test's history) --------------------------------------------------------------
    def record_result(self, public_id: str, check_time: int, passed: bool, location: str = "aws:us-east-1") -> None:
        """One scheduled run at `check_time` (epoch seconds), in the shape its test type answers."""
        test = self.tests.get(public_id) or {}
        result: dict[str, Any]
        if test.get("type") == "browser":
            steps = len(test.get("steps") or []) or 1
            done = steps if passed else steps - 1
            result = {"duration": 900.0, "errorCount": 0 if passed else 1, "stepCountCompleted": done}
            result["stepCountTotal"] = steps
        else:
            result = {"passed": passed, "timings": {"total": 120.0}}
        entry = {"check_time": float(check_time * 1000), "probe_dc": location, "result": result}
        entry.update(result_id=str(self.new_id()), status=0 if passed else 1)
        self.history.setdefault(public_id, []).append(entry)

    def results(self, m: re.Match[str], q: dict[str, str], body: Any) -> Result:
        """GET .../tests[/browser]/{public_id}/results: the latest 150 in [from_ts, to_ts] (ms), newest first."""
        test = self.tests.get(m["id"])
        if test is None or (test.get("type") == "browser") != bool(m["browser"]):
            return _err(404, "Synthetic test not found")
        low, high = int(q.get("from_ts", 0)), int(q.get("to_ts", 2**62))
        found = sorted(
            (r for r in self.history.get(m["id"], []) if low <= r["check_time"] <= high),
            key=lambda r: -r["check_time"],
        )[:150]
        last = int(found[0]["check_time"]) if found else 0
        return 200, {"last_timestamp_fetched": last, "results": found}

    def routes(self, tests_path: str) -> list[Route]:
        """`tests_path`: /api/v1/synthetics/tests (trigger, results); the other paths are declared."""
        browser, variables = SYNTHETIC_BROWSER_TEST.api_path, SYNTHETIC_GLOBAL_VARIABLE.api_path
        ident = r"(?P<id>[\w-]+)"
        return [
            ("POST", browser, "synthetics", self.create_browser),
            ("GET", rf"{browser}/{ident}", "synthetics", self.get_browser),
            ("PUT", rf"{browser}/{ident}", "synthetics", self.update_browser),
            ("POST", variables, "synthetics_variables", self.create_variable),
            ("GET", variables, "synthetics_variables", self.list_variables),
            ("GET", rf"{variables}/{ident}", "synthetics_variables", self.get_variable),
            ("PUT", rf"{variables}/{ident}", "synthetics_variables", self.edit_variable),
            ("DELETE", rf"{variables}/{ident}", "synthetics_variables", self.delete_variable),
            ("GET", "/api/v1/synthetics/locations", "synthetics", self.list_locations),
            ("POST", rf"{tests_path}/trigger", "synthetics_trigger", self.trigger),
            ("GET", rf"/api/v1/synthetics/ci/batch/{ident}", "synthetics", self.batch),
            ("GET", rf"{tests_path}(?:/browser)?/{ident}/results/(?P<result>\d+)", "synthetics", self.result),
            ("GET", rf"{tests_path}(?P<browser>/browser)?/{ident}/results", "synthetics", self.results),
        ]
