"""Queries for directorates and communes."""

from collections.abc import Sequence

from sqlmodel import Session, col, select

from app.core.db import found
from app.models import Commune, Directorate, Partner


def get_all_directorates(*, session: Session) -> Sequence[Directorate]:
    return session.exec(select(Directorate).order_by(col(Directorate.code))).all()


def get_all_communes(*, session: Session) -> Sequence[Commune]:
    return session.exec(select(Commune).order_by(col(Commune.insee_code))).all()


def get_commune(*, session: Session, insee_code: str) -> Commune:
    return found(session.get(Commune, insee_code), "commune", insee_code)


def get_directorate(*, session: Session, code: str) -> Directorate:
    directorate = session.exec(select(Directorate).where(col(Directorate.code) == code)).first()
    return found(directorate, "directorate", code)


def get_all_partners(*, session: Session) -> Sequence[Partner]:
    return session.exec(select(Partner).order_by(col(Partner.name))).all()
