"""Recorded NerdGraph answers, replayed to the API collector so that `--from-files` runs the same code
(paging, error model, selection) offline: the demo and the sample company need no key and no network.

A recording file is JSON:

    {"nerdgraph_recording": 1, "account_id": 1234567,
     "interactions": [{"operation": "EntitySearch", "variables": {...}, "response": {"data": ...}}, ...]}

`operation` is the name of the operation in queries.py; `variables` are what the collector sends (a null
`cursor` may be left out); `status` (default 200) lets a recording hold a 429 or a 5xx. A request nothing
was recorded for is answered with a GraphQL error, so it becomes a named problem of the collection. No
header is ever recorded: a recording cannot hold the key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import BaseAdapter

from migrate.errors import InputError

FORMAT_KEY = "nerdgraph_recording"
_OPERATION = re.compile(r"^\s*(?:query|mutation)\s+([A-Za-z_][A-Za-z0-9_]*)")


def _key(operation: str, variables: Mapping[str, Any]) -> str:
    return operation + " " + json.dumps({k: v for k, v in variables.items() if v is not None}, sort_keys=True)


def is_recording(data: Any) -> bool:
    return isinstance(data, dict) and FORMAT_KEY in data and isinstance(data.get("interactions"), list)


@dataclass
class Recordings:
    account_id: int | None = None
    answers: dict[str, tuple[int, Any]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)

    def add(self, data: dict[str, Any], path: str) -> None:
        account = data.get("account_id")
        if not isinstance(account, int) or isinstance(account, bool):
            raise InputError("a NerdGraph recording needs a numeric `account_id`", path=path)
        if self.account_id is not None and account != self.account_id:
            raise InputError(
                f"recorded from account {account}, the other recordings from {self.account_id}",
                path=path,
                hint="collect one New Relic account at a time",
            )
        for index, item in enumerate(data["interactions"]):
            where = f"interactions[{index}]"
            if not isinstance(item, dict) or not isinstance(item.get("operation"), str):
                raise InputError(f"{where}: needs `operation` (a string) and `response`", path=path)
            variables = item.get("variables") or {}
            if not isinstance(variables, dict) or "response" not in item:
                raise InputError(f"{where}: `variables` must be an object and `response` present", path=path)
            key = _key(item["operation"], variables)
            if key in self.answers:
                self.duplicates.append(f"{path}: {where} ({item['operation']}) was recorded twice; kept the first")
                continue
            self.answers[key] = (int(item.get("status") or 200), item["response"])
        self.account_id = account
        self.sources.append(path)

    def answer(self, body: Any) -> tuple[int, Any]:
        query = body.get("query") if isinstance(body, dict) else None
        match = _OPERATION.match(query) if isinstance(query, str) else None
        variables = body.get("variables") if isinstance(body, dict) else None
        if match is None or not isinstance(variables, dict):
            return 400, {"errors": [{"message": "not a named GraphQL operation"}]}
        found = self.answers.get(_key(match[1], variables))
        if found is None:
            shown = json.dumps({k: v for k, v in variables.items() if v is not None}, sort_keys=True)
            message = f"not recorded: {match[1]} {shown}"
            return 200, {"data": None, "errors": [{"message": message, "extensions": {"errorClass": "NOT_RECORDED"}}]}
        return found


class ReplayAdapter(BaseAdapter):
    """A `requests` transport answering from recordings (mounted on the collector's session)."""

    def __init__(self, recordings: Recordings) -> None:
        super().__init__()
        self.recordings = recordings

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        raw = request.body or b"{}"
        try:
            body = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
        except ValueError:
            body = None
        status, answer = self.recordings.answer(body)
        resp = requests.Response()
        resp.status_code = status
        resp._content = json.dumps(answer).encode("utf-8")
        resp.headers["Content-Type"] = "application/json"
        resp.url = str(request.url)
        resp.request = request
        return resp

    def close(self) -> None:
        return None
