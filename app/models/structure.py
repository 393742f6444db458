"""Input models for the admin edits of the plan's frame (axes, directorates)."""

from typing import Annotated

from pydantic import StringConstraints
from sqlmodel import Field

from app.models.inputs import Flag, StrictInput
from app.models.tracking import NodeCode, Title


class AxisCreate(StrictInput):
    code: NodeCode | None = Field(default=None, description="Default: the next free code")
    title: Title
    engagement: NodeCode


class AxisUpdate(StrictInput):
    title: Title | None = None
    engagement: NodeCode | None = Field(default=None, description="Move to this engagement")
    archived: Flag | None = None


DirectorateName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)
]


class DirectorateCreate(StrictInput):
    code: NodeCode = Field(description="Short stable code, e.g. DEV-ECO")
    name: DirectorateName


class DirectorateUpdate(StrictInput):
    name: DirectorateName
