"""Pingdom API 3.1: every uptime check (list, then each detail), transaction checks (list, then each
detail with its steps), alerting contacts and teams, maintenance windows and probes.

Listings page with `limit`/`offset` through `paging.by_offset`; details are read `max_in_flight` at a
time through `HttpClient.map`. The client paces itself on `Req-Limit-Short`/`Req-Limit-Long` and retries
429 and 5xx (migrate/sources/http). One detail that cannot be read does not stop the others: the check
is kept from its list entry and the reason goes to the account's problems.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from migrate import paging
from migrate.errors import RemoteError
from migrate.settings import env_url, get_secret
from migrate.sources.http import Auth, HttpClient, pingdom_rate_limit
from migrate.sources.pingdom.account import CONTACT, MAINTENANCE, PROBE, TEAM, TMS, UPTIME, Account

CHECKS_LIMIT = 25000  # the largest `limit` /checks accepts (API 3.1)
LIST_LIMIT = 1000  # /tms/check, /maintenance, /probes: the TMS list's own default
MAX_IN_FLIGHT = 4  # the token's limits are shared by every request: a few in flight, never a burst


def client_from_env(env: Mapping[str, str] | None = None, **kwargs: Any) -> HttpClient:
    """`PINGDOM_API_TOKEN` (a bearer token) and `PINGDOM_API_URL` (default https://api.pingdom.com/api/3.1)."""
    token = get_secret("PINGDOM_API_TOKEN", env)
    kwargs.setdefault("max_in_flight", MAX_IN_FLIGHT)
    return HttpClient(env_url("PINGDOM_API_URL", env), auth=Auth(bearer=token), rate_limit=pingdom_rate_limit, **kwargs)


def collect_api(client: HttpClient, *, page_size: int | None = None) -> Account:
    """Read the whole account. `page_size` overrides every listing's `limit` (tests page with it)."""
    account = Account(origin=client.display_url)
    base = client.display_url
    checks = _listing(
        client,
        "/checks",
        "checks",
        page_size or CHECKS_LIMIT,
        include_tags="true",
        include_severity="true",
        showencryption="true",
    )
    _with_details(
        client, account, kind=UPTIME, listed=checks, path="/checks", params={"include_teams": "true"}, base=base
    )
    tms = _listing(client, "/tms/check", "checks", page_size or LIST_LIMIT)
    _with_details(client, account, kind=TMS, listed=tms, path="/tms/check", params=None, base=base)
    for kind, path, key, pages in (
        (CONTACT, "/alerting/contacts", "contacts", False),
        (TEAM, "/alerting/teams", "teams", False),
        (MAINTENANCE, "/maintenance", "maintenance", True),
        (PROBE, "/probes", "probes", True),
    ):
        items = _listing(client, path, key, page_size or LIST_LIMIT) if pages else _items(client, path, key, None)
        for item in items:
            account.add(kind, item, f"{base}{path}", detailed=True)
    return account


def _listing(client: HttpClient, path: str, key: str, limit: int, **params: str) -> list[Any]:
    def page(offset: int) -> list[Any] | paging.Counted[Any]:
        query = {**params, "limit": str(limit), "offset": str(offset)}
        body = client.get_json(path, query)
        items = _items_of(body, client, path, key)
        total = body.get("counts", {}).get("total") if isinstance(body.get("counts"), dict) else None
        return paging.Counted(items, total) if isinstance(total, int) and not isinstance(total, bool) else items

    return list(paging.by_offset(page, limit=limit, what=f"{client.display_url}{path}"))


def _items(client: HttpClient, path: str, key: str, params: Mapping[str, str] | None) -> list[Any]:
    return _items_of(client.get_json(path, params), client, path, key)


def _items_of(body: Any, client: HttpClient, path: str, key: str) -> list[Any]:
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise RemoteError(
            f"{client.display_url}{path} did not return a `{key}` list",
            hint="is PINGDOM_API_URL the API 3.1 base URL (https://api.pingdom.com/api/3.1)?",
        )
    return items


def _with_details(
    client: HttpClient,
    account: Account,
    *,
    kind: str,
    listed: list[Any],
    path: str,
    params: Mapping[str, str] | None,
    base: str,
) -> None:
    """The list entries, then each one's detail (`{"check": {...}}`) merged over it."""
    for item in listed:
        account.add(kind, item, f"{base}{path}", detailed=False)
    ids = list(account.entries[kind])  # each listed id once; entries without an id were warned about

    def detail(ident: str) -> Any:
        body = client.get_json(f"{path}/{ident}", params)
        if not isinstance(body, dict) or not isinstance(body.get("check"), dict):
            raise RemoteError(f"{client.display_url}{path}/{ident} did not return a `check` object")
        return body["check"]

    for result in client.map(detail, ids):
        if result.ok:
            account.add(kind, {"id": result.item, **(result.value or {})}, f"{base}{path}/{result.item}", detailed=True)
        else:
            account.fail(kind, result.item, result.error.message if result.error else "unknown error")
