"""Model-level hooks: derived columns kept in one place rather than in every service."""

from typing import Any

from sqlalchemy import event

from app.core.text import fold
from app.models.base import utcnow
from app.models.tree import Axis, Trackable


@event.listens_for(Trackable, "before_insert")
@event.listens_for(Trackable, "before_update")
def _refresh_trackable(_mapper: Any, _connection: Any, target: Trackable) -> None:
    target.search_text = fold(f"{target.code} {target.title}")
    target.updated_at = utcnow()


@event.listens_for(Axis, "before_insert")
@event.listens_for(Axis, "before_update")
def _refresh_axis(_mapper: Any, _connection: Any, target: Axis) -> None:
    target.search_text = fold(f"{target.code} {target.title}")
