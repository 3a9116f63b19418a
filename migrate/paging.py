"""One paging loop for every listing, whatever carries the request (our HTTP client, datadog-api-client).

A caller supplies "fetch the page at this position"; the helpers here decide the next position and when
the listing is complete. The styles in use:

- `by_page_number`: `page=0,1,2...` with a page size (Datadog monitors and synthetics, Grafana search);
- `by_offset`: `offset`/`start` advancing by what came back (Pingdom checks, Datadog dashboards);
- `by_cursor`: an opaque cursor from each answer, none on the last page (NerdGraph `nextCursor`);
- `by_link`: the next page's URL (`Link: rel=next`, or a `next` field in the body); the same loop as a cursor.

Complete means: no page cap, ever. A short page ends a numbered or offset listing (ask for a size the
server allows: a server that silently lowers it makes every page look short); when the answer carries a
total, paging goes on until the total is reached. A server that sends a position twice, or the same full
page twice (a parameter it ignores), is an error, never an endless loop.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from migrate.errors import RemoteError

T = TypeVar("T")
P = TypeVar("P", bound=Hashable)


@dataclass(frozen=True)
class Page(Generic[T, P]):
    """One page: its items and where the next one starts (None: this was the last)."""

    items: Sequence[T]
    next: P | None = None


@dataclass(frozen=True)
class Counted(Generic[T]):
    """A numbered or offset page that also says how many items the whole listing holds."""

    items: Sequence[T]
    total: int


def paginate(fetch: Callable[[P], Page[T, P]], first: P, *, what: str) -> Iterator[T]:
    """Every item of every page from `first` on; `what` names the listing in errors."""
    seen = {first}
    position, previous = first, None
    while True:
        page = fetch(position)
        if page.items and page.items == previous:
            raise RemoteError(
                f"{what}: the page at {position!r} repeats the previous one",
                hint="the server seems to ignore the paging parameter; nothing after the first page was read",
            )
        yield from page.items
        if page.next is None:
            return
        if page.next in seen:
            raise RemoteError(
                f"{what}: the server sent the page position {page.next!r} a second time",
                hint="stopped instead of reading the same pages forever; the listing is incomplete",
            )
        seen.add(page.next)
        position, previous = page.next, page.items


def by_page_number(
    fetch: Callable[[int], Sequence[T] | Counted[T]], *, page_size: int, what: str, first: int = 0
) -> Iterator[T]:
    """Pages `first`, `first + 1`, ... of `page_size` items (the size `fetch` asks for)."""
    read = 0

    def page(number: int) -> Page[T, int]:
        nonlocal read
        items, more = _more(fetch(number), page_size, read)
        read += len(items)
        return Page(items, number + 1 if more else None)

    return paginate(page, first, what=what)


def by_offset(fetch: Callable[[int], Sequence[T] | Counted[T]], *, limit: int, what: str) -> Iterator[T]:
    """Offsets 0, then each time past the items received; `fetch(offset)` asks for `limit` items."""

    def page(offset: int) -> Page[T, int]:
        items, more = _more(fetch(offset), limit, offset)
        return Page(items, offset + len(items) if more else None)

    return paginate(page, 0, what=what)


def by_cursor(fetch: Callable[[str | None], Page[T, str]], *, what: str) -> Iterator[T]:
    """`fetch(None)` for the first page, then `fetch(cursor)` with each page's next cursor until it is None."""

    def page(cursor: str | None) -> Page[T, str | None]:
        got = fetch(cursor)
        return Page(got.items, got.next)

    return paginate(page, None, what=what)


def by_link(fetch: Callable[[str], Page[T, str]], first_url: str, *, what: str) -> Iterator[T]:
    """`fetch(url)` from `first_url`, following each page's next URL (see http.next_link) until there is none."""
    return paginate(fetch, first_url, what=what)


def _more(batch: Sequence[T] | Counted[T], size: int, before: int) -> tuple[Sequence[T], bool]:
    """The page's items, and whether another page may follow (`before`: items read on earlier pages)."""
    if isinstance(batch, Counted):
        return batch.items, bool(batch.items) and before + len(batch.items) < batch.total
    return batch, len(batch) >= size > 0
