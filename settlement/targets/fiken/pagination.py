"""Walking Fiken's paged list endpoints.

List endpoints answer with a bare JSON array; paging is in the query (`page`, 0-based, and
`pageSize`, at most 100) and in the response headers `Fiken-Api-Page-Count` and
`Fiken-Api-Result-Count` (fiken-api.md §2.2). Page 0 is the first page: skipping it loses rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

MAX_PAGE_SIZE = 100
# A ceiling on pages walked, so a server that keeps reporting more pages cannot loop us forever.
MAX_PAGES = 10_000


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: its items and the paging headers that came with it."""

    items: list[Any]
    page_count: int | None
    result_count: int | None


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def page_from(items: Any, headers: Mapping[str, str]) -> Page:
    """Build a Page from a decoded body and the response headers (case-insensitive mapping)."""
    if not isinstance(items, list):
        raise TypeError(f"expected a JSON array, got {type(items).__name__}")
    return Page(items, _header_int(headers, "Fiken-Api-Page-Count"), _header_int(headers, "Fiken-Api-Result-Count"))


def iterate_pages(fetch: Callable[[int, int], Page], page_size: int = MAX_PAGE_SIZE) -> Iterator[Any]:
    """Yield every item of a paged list; `fetch(page, page_size)` returns one Page.

    Stops at the page count the server reports; without that header, at the first short page.
    """
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
    for number in range(MAX_PAGES):
        page = fetch(number, page_size)
        yield from page.items
        if page.page_count is not None:
            if number + 1 >= page.page_count:
                return
        elif len(page.items) < page_size:
            return
    raise RuntimeError(f"more than {MAX_PAGES} pages; refusing to continue")
