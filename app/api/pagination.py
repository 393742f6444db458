"""Paging and searching short lists that are read whole anyway (directorates, communes…)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from app.core.text import fold
from app.models.pagination import Page

T = TypeVar("T")


@dataclass(frozen=True)
class ListParams:
    """What a list route is asked for: a search and a page."""

    q: str | None
    limit: int
    offset: int


def page_of(items: Sequence[T], *, text: Callable[[T], str], params: ListParams) -> Page[T]:
    """The items whose ``text`` contains ``params.q`` (accent- and case-insensitive), one page
    of them."""
    if params.q:
        needle = fold(params.q)
        items = [item for item in items if needle in fold(text(item))]
    start, end = params.offset, params.offset + params.limit
    return Page(items=list(items[start:end]), total=len(items), limit=params.limit, offset=start)
