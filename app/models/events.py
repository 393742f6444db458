"""Model-level hooks: derived columns, kept in one place rather than in every service.

The revision counter's hooks (taking it at every flush, and the guard of the write contract) live
with the counter itself, in app.revision, which every domain package imports."""

from typing import Any

from sqlalchemy import event

from app.core.text import fold
from app.models.base import utcnow
from app.models.indicators import Indicator
from app.models.tree import Axis, Trackable


@event.listens_for(Trackable, "before_insert")
@event.listens_for(Trackable, "before_update")
def _refresh_trackable(_mapper: Any, _connection: Any, target: Trackable) -> None:
    target.search_text = fold(f"{target.code} {target.title}")
    target.title_key = fold(target.title)
    target.updated_at = utcnow()


@event.listens_for(Axis, "before_insert")
@event.listens_for(Axis, "before_update")
def _refresh_axis(_mapper: Any, _connection: Any, target: Axis) -> None:
    target.search_text = fold(f"{target.code} {target.title}")


@event.listens_for(Indicator, "before_insert")
@event.listens_for(Indicator, "before_update")
def _refresh_indicator(_mapper: Any, _connection: Any, target: Indicator) -> None:
    target.search_text = fold(f"{target.code} {target.name}")
