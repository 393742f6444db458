"""Reference data: CAPH directorates and the member communes."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import UtcDateTime


class DirectorateBase(SQLModel):
    code: str = Field(max_length=30, unique=True)
    name: str = Field(max_length=300)


class Directorate(DirectorateBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    #: When the admin pages archived it (no longer offered for new assignments); None: in use.
    archived_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class CommuneBase(SQLModel):
    insee_code: str = Field(primary_key=True, min_length=5, max_length=5)
    name: str = Field(max_length=200)
    population: int = Field(ge=0, description="Municipal population (INSEE, 2024)")
    siren: str | None = Field(
        default=None, min_length=9, max_length=9, description="The commune's own SIREN"
    )


class Commune(CommuneBase, table=True):
    pass


class DirectoratePublic(DirectorateBase):
    pass


class CommunePublic(CommuneBase):
    pass


class PartnerPublic(SQLModel):
    name: str
