"""DRF's SearchFilter and LimitOffsetPagination, as the schema list (and logs) use them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

DEFAULT_PAGE_SIZE = 100
T = TypeVar("T")


def search_terms(raw: str | None) -> list[str]:
    """SearchFilter splits on whitespace and commas; every term must match."""
    if not raw:
        return []
    return raw.replace("\x00", "").replace(",", " ").split()


def apply_search(items: Sequence[T], raw: str | None, text_of: Callable[[T], str]) -> list[T]:
    terms = [term.lower() for term in search_terms(raw)]
    return [item for item in items if all(term in text_of(item).lower() for term in terms)]


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def page_from_query(query: dict[str, str], default_limit: int = DEFAULT_PAGE_SIZE) -> Page:
    return Page(
        limit=_positive_int(query.get("limit"), strict=True, default=default_limit),
        offset=_positive_int(query.get("offset"), strict=False, default=0),
    )


def paginate(items: Sequence[Any], page: Page, absolute_url: str) -> dict[str, Any]:
    count = len(items)
    return {
        "count": count,
        "next": _next_link(absolute_url, page, count),
        "previous": _previous_link(absolute_url, page),
        "results": list(items[page.offset : page.offset + page.limit]),
    }


def _positive_int(raw: str | None, *, strict: bool, default: int) -> int:
    # DRF: an invalid or (strictly) non-positive limit falls back to the default; a bad offset is 0.
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        return default
    if value < 0 or (strict and value == 0):
        return default
    return value


def _next_link(url: str, page: Page, count: int) -> str | None:
    if page.offset + page.limit >= count:
        return None
    url = replace_query_param(url, "limit", str(page.limit))
    return replace_query_param(url, "offset", str(page.offset + page.limit))


def _previous_link(url: str, page: Page) -> str | None:
    if page.offset <= 0:
        return None
    url = replace_query_param(url, "limit", str(page.limit))
    if page.offset - page.limit <= 0:
        return remove_query_param(url, "offset")
    return replace_query_param(url, "offset", str(page.offset - page.limit))


def replace_query_param(url: str, key: str, value: str) -> str:
    scheme, netloc, path, query, fragment = urlsplit(url)
    query_dict = parse_qs(query, keep_blank_values=True)
    query_dict[key] = [value]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query_dict.items()), doseq=True), fragment))


def remove_query_param(url: str, key: str) -> str:
    scheme, netloc, path, query, fragment = urlsplit(url)
    query_dict = parse_qs(query, keep_blank_values=True)
    query_dict.pop(key, None)
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query_dict.items()), doseq=True), fragment))
