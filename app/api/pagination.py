"""Paging and searching short lists that are read whole anyway (directorates, communes…)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from app.core.text import fold
from app.models.pagination import Page

T = TypeVar("T")


@dataclass(frozen=True)
class Paging:
    """The page a list route is asked for: at most ``limit`` items, after ``offset`` of them."""

    limit: int
    offset: int

    def of(self, items: list[T], total: int) -> Page[T]:
        """The page of ``items``, out of ``total`` in all."""
        return Page(items=items, total=total, limit=self.limit, offset=self.offset)


@dataclass(frozen=True)
class ListParams(Paging):
    """What the route of a short list is asked for: a search and a page."""

    q: str | None

    def page(self, items: Sequence[T], *fields: str) -> Page[T]:
        """The items whose ``fields`` (joined by a space) contain ``q`` (accent- and
        case-insensitive), one page of them."""
        if self.q:
            needle = fold(self.q)
            items = [item for item in items if needle in fold(_text(item, fields))]
        start, end = self.offset, self.offset + self.limit
        return Page(items=list(items[start:end]), total=len(items), limit=self.limit, offset=start)


def _text(item: object, fields: tuple[str, ...]) -> str:
    return " ".join(getattr(item, name) for name in fields)
