"""Paging and searching short lists that are read whole anyway (directorates, communes…)."""

from collections.abc import Callable, Sequence
from typing import TypeVar

from app.core.text import fold
from app.models.pagination import Page

T = TypeVar("T")


def page_of(
    items: Sequence[T], *, text: Callable[[T], str], q: str | None, limit: int, offset: int
) -> Page[T]:
    """The items whose ``text`` contains ``q`` (accent- and case-insensitive), one page of them."""
    if q:
        needle = fold(q)
        items = [item for item in items if needle in fold(text(item))]
    return Page(
        items=list(items[offset : offset + limit]), total=len(items), limit=limit, offset=offset
    )
