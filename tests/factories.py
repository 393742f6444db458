"""Test factories: a test states the data it needs instead of leaning on the real plan's codes.

Every factory takes the session first, then keyword-only arguments with sensible defaults; codes
and names are generated, unique in the database, when none is given. A factory makes what it
needs and is not given (an action's axis, its engagement, the plan row of an empty database).

How they write. Through the app's own services wherever one exists (``app.trackables.writes``,
``structure``, ``progress``, ``milestones``, ``indicators``, ``tokens``, ``campaigns``,
``pending``), as the admin actor ``FACTORY_ACTOR``: the rows are those the API would have
written, checked by the same input models, with the audit entries the revision contract asks for
(app.revision: progress reports, milestones and indicator values need theirs at commit). So the
data is never a "bulk load": no ``revision.touch(session, bulk_load=True)``, and the tree reloads
only what the entries name, as after real requests. The plan row and engagements have no service
(the seed writes them): they are plain ORM rows, which take the revision at flush like any write.

Factories flush, never commit: the test commits (``session.commit()``) before the API reads, and
before any request writes (on PostgreSQL, an open write transaction would hold the revision row).
"""

import itertools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from app.accounts import accounts as account_service
from app.auth import tokens
from app.auth.tokens import Actor
from app.campaigns import campaigns as campaign_service
from app.campaigns import pending as pending_service
from app.core.db import make_engine
from app.indicators import indicators as indicator_service
from app.models import (
    Account,
    ApiToken,
    Axis,
    Campaign,
    Commune,
    Directorate,
    Engagement,
    Indicator,
    IndicatorValue,
    Milestone,
    PendingReport,
    Plan,
    ProgressReport,
    ReportState,
    Role,
    Status,
    Trackable,
)
from app.models.campaigns import CampaignOpen, PendingReportInput
from app.models.indicators import Direction, IndicatorCreate, IndicatorValueInput, ValueStatus
from app.models.structure import AxisCreate, DirectorateCreate
from app.models.tracking import (
    ActionCreate,
    FlagshipProjectCreate,
    MilestoneInput,
    ProgressReportInput,
)
from app.plan import structure
from app.reference import writes as reference_writes
from app.trackables import milestones as milestone_service
from app.trackables import progress as progress_service
from app.trackables import writes
from tests.conftest import Tokens

#: Who the factories write as (the audit trail names it).
FACTORY_ACTOR = Actor(name="factory", role=Role.admin)


@contextmanager
def session_on(url: str) -> Iterator[Session]:
    """A session on the database at ``url`` (its engine disposed after)."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def _unique(session: Session, model: type[SQLModel], field: str, prefix: str) -> str:
    """``prefix`` and the first number not yet used in ``model.field`` (E1, E2…)."""
    column = col(getattr(model, field))
    for number in itertools.count(1):
        candidate = f"{prefix}{number}"
        if session.exec(select(column).where(column == candidate)).first() is None:
            return candidate
    raise AssertionError("unreachable")


def plan(session: Session) -> Plan:
    """The database's one plan row, made (minimal, 2024-2044) when there is none."""
    row = session.exec(select(Plan)).first()
    if row is None:
        row = Plan(
            title="Plan de test",
            organisation="Collectivité de test",
            organisation_acronym="CT",
            siren="123456789",
            start_year=2024,
            end_year=2044,
            adopted_on=date(2024, 1, 1),
            adopted_by="Conseil communautaire",
            purpose="Tester",
        )
        session.add(row)
        session.flush()
    return row


def directorate(
    session: Session, *, code: str | None = None, name: str | None = None
) -> Directorate:
    code = code or _unique(session, Directorate, "code", "DIR")
    row = reference_writes.create_directorate(
        session=session,
        actor=FACTORY_ACTOR,
        data=DirectorateCreate(code=code, name=name or f"Direction {code}"),
    )
    return row


def engagement(
    session: Session, *, code: str | None = None, title: str | None = None
) -> Engagement:
    plan(session)
    code = code or _unique(session, Engagement, "code", "E")
    position = len(session.exec(select(Engagement.id)).all())
    row = Engagement(code=code, title=title or f"Engagement {code}", position=position)
    session.add(row)
    session.flush()
    return row


def commune(
    session: Session,
    *,
    insee_code: str | None = None,
    name: str | None = None,
    population: int = 1000,
) -> Commune:
    """A commune of the territory (reference data, a plain row as the seed writes it); INSEE
    code: the first free one from 59001."""
    if insee_code is None:
        taken = set(session.exec(select(col(Commune.insee_code))).all())
        insee_code = next(c for n in itertools.count(59001) if (c := str(n)) not in taken)
    row = Commune(
        insee_code=insee_code, name=name or f"Commune {insee_code}", population=population
    )
    session.add(row)
    session.flush()
    return row


_engagement = engagement  # for the factories whose argument is named so


def axis(
    session: Session,
    *,
    engagement: Engagement | None = None,
    code: str | None = None,
    title: str | None = None,
) -> Axis:
    """An axis of ``engagement`` (a new one by default); code: the engagement's next one."""
    parent = engagement if engagement is not None else _engagement(session)
    row = structure.create_axis(
        session=session,
        actor=FACTORY_ACTOR,
        data=AxisCreate(code=code, title=title or "Axe de test", engagement=parent.code),
    )
    return row


_axis = axis


def _lead_code(lead: Directorate | None) -> dict[str, Any]:
    return {} if lead is None else {"lead_directorate": lead.code}


def action(
    session: Session,
    *,
    lead: Directorate | None = None,
    axis: Axis | None = None,
    parent: Trackable | None = None,
    title: str | None = None,
    status: Status | None = None,
    weight: float = 1.0,
    code: str | None = None,
) -> Trackable:
    """An action of ``axis`` (a new axis of a new engagement by default), or a sub-action of
    ``parent``; code: the next free one under its axis or parent."""
    where: dict[str, Any] = {"parent": parent.code} if parent is not None else {}
    if parent is None:
        where["axis"] = (axis if axis is not None else _axis(session)).code
    data: dict[str, Any] = {"code": code, "title": title or "Action de test", "weight": weight}
    if status is not None:
        data["status"] = status
    return writes.create_action(
        session=session,
        actor=FACTORY_ACTOR,
        data=ActionCreate(**data, **where, **_lead_code(lead)),
    )


def flagship_project(
    session: Session,
    *,
    engagement: Engagement | None = None,
    lead: Directorate | None = None,
    actions: Iterable[Trackable] = (),
    title: str | None = None,
    status: Status | None = None,
    code: str | None = None,
) -> Trackable:
    """A flagship project of ``engagement`` (a new one by default) serving ``actions``; code:
    the next free PP code."""
    parent = engagement if engagement is not None else _engagement(session)
    data: dict[str, Any] = {
        "code": code,
        "title": title or "Projet phare de test",
        "engagement": parent.code,
        "actions": [a.code for a in actions],
    }
    if status is not None:
        data["status"] = status
    return writes.create_flagship_project(
        session=session,
        actor=FACTORY_ACTOR,
        data=FlagshipProjectCreate(**data, **_lead_code(lead)),
    )


def token(
    session: Session,
    *,
    role: Role = Role.editor,
    directorates: Sequence[Directorate] = (),
    name: str | None = None,
) -> str:
    """A token (returned in clear); an editor given no directorate gets a new one."""
    if role == Role.editor and not directorates:
        directorates = [directorate(session)]
    name = name or _unique(session, ApiToken, "name", "token-")
    return tokens.create(
        session=session, name=name, role=role, directorate_codes=[d.code for d in directorates]
    )[1]


#: The password ``account`` gives (long, and in no list of common passwords).
PASSWORD = "correct cheval agrafe pile"


def invited_account(
    session: Session,
    *,
    role: Role = Role.editor,
    directorates: Sequence[Directorate] = (),
    email: str | None = None,
    display_name: str | None = None,
) -> tuple[Account, str]:
    """An account made as an admin would (``boussole user create``), and the token of its
    invitation link (``/invitation/<token>``); an editor given no directorate gets a new one."""
    if role == Role.editor and not directorates:
        directorates = [directorate(session)]
    if email is None:
        taken = set(session.exec(select(col(Account.email))).all())
        email = next(e for n in itertools.count(1) if (e := f"person{n}@caph.fr") not in taken)
    return account_service.create(
        session=session,
        actor=FACTORY_ACTOR,
        email=email,
        display_name=display_name or f"Personne {email.partition('@')[0]}",
        role=role,
        directorate_codes=[d.code for d in directorates],
    )


def account(
    session: Session,
    *,
    role: Role = Role.editor,
    directorates: Sequence[Directorate] = (),
    email: str | None = None,
    display_name: str | None = None,
    password: str | None = PASSWORD,
) -> Account:
    """An invited account (``invited_account``) whose person chose ``password`` (None: not yet)."""
    row, token = invited_account(
        session, role=role, directorates=directorates, email=email, display_name=display_name
    )
    if password is not None:
        account_service.accept_invitation(session=session, token=token, password=password)
    return row


def report(
    session: Session,
    *,
    trackable: Trackable,
    year: int = 2025,
    progress: float = 50.0,
    status: Status | None = None,
    comment: str = "",
    **budgets: float,
) -> ProgressReport:
    """The yearly report of ``trackable`` (created, or replaced if that year has one); status
    defaults to the trackable's, ``budgets`` are ``budget_planned_investment`` and the like."""
    row, _created = progress_service.write(
        session=session,
        actor=FACTORY_ACTOR,
        trackable=trackable,
        year=year,
        data=ProgressReportInput(progress=progress, status=status, comment=comment, **budgets),
        if_match=None,
    )
    return row


def campaign(
    session: Session,
    *,
    year: int = 2025,
    deadline: date | None = None,
    message: str = "",
    closed: bool = False,
) -> Campaign:
    """The campaign of ``year``, opened (deadline: 31 March of the year after), and closed if
    ``closed`` (which freezes the year's published reports)."""
    row = campaign_service.create(
        session=session,
        actor=FACTORY_ACTOR,
        data=CampaignOpen(year=year, deadline=deadline or date(year + 1, 3, 31), message=message),
    )
    if closed:
        campaign_service.close(session=session, actor=FACTORY_ACTOR, campaign=row)
    return row


def pending_report(
    session: Session,
    *,
    trackable: Trackable,
    year: int = 2025,
    state: ReportState = ReportState.draft,
    progress: float = 40.0,
    status: Status = Status.in_progress,
    comment: str = "",
    milestones: Sequence[dict[str, Any]] = (),
    indicator_values: dict[str, float] | None = None,
    **budgets: float,
) -> PendingReport:
    """The pending report of ``trackable`` for ``year``, in ``state`` (draft, submitted or
    sent back), written by the admin actor (so with or without an open campaign)."""
    row = pending_service.save(
        session=session,
        actor=FACTORY_ACTOR,
        trackable=trackable,
        year=year,
        data=PendingReportInput.model_validate(
            {
                "progress": progress,
                "status": status,
                "comment": comment,
                "milestones": list(milestones),
                "indicator_values": indicator_values or {},
                **budgets,
            }
        ),
        if_match=None,
        submit=state != ReportState.draft,
    )
    if state == ReportState.sent_back:
        pending_service.send_back(
            session=session,
            actor=FACTORY_ACTOR,
            trackable=trackable,
            year=year,
            comment="À compléter",
            if_match=None,
        )
    return row


def milestone(
    session: Session,
    *,
    trackable: Trackable | None = None,
    title: str = "Jalon de test",
    planned_on: date | None = None,
    achieved_on: date | None = None,
    done: bool = False,
) -> Milestone:
    """A milestone of ``trackable`` (a new action by default)."""
    return milestone_service.create(
        session=session,
        actor=FACTORY_ACTOR,
        trackable=trackable if trackable is not None else action(session),
        data=MilestoneInput(title=title, planned_on=planned_on, achieved_on=achieved_on, done=done),
    )


def indicator(
    session: Session,
    *,
    code: str | None = None,
    name: str | None = None,
    lead: Directorate | None = None,
    direction: Direction = Direction.increase,
    measures: Iterable[Trackable | Axis | Engagement] = (),
    unit: str = "",
    baseline: tuple[int, float] | None = None,
    targets: Iterable[tuple[int, float]] = (),
) -> Indicator:
    """An indicator measuring ``measures``; ``baseline`` and ``targets`` are (year, value)."""
    code = code or _unique(session, Indicator, "code", "IND-")
    data: dict[str, Any] = {
        "code": code,
        "name": name or f"Indicateur {code}",
        "direction": direction,
        "unit": unit,
        "measures": [m.code for m in measures],
        "targets": [{"year": y, "value": v} for y, v in targets],
        **_lead_code(lead),
    }
    if baseline is not None:
        data["baseline"] = {"year": baseline[0], "value": baseline[1]}
    return indicator_service.create(
        session=session, actor=FACTORY_ACTOR, data=IndicatorCreate.model_validate(data)
    )


_indicator = indicator


def indicator_value(
    session: Session,
    *,
    indicator: Indicator | None = None,
    year: int = 2025,
    value: float = 1.0,
    commune: str | None = None,
    status: ValueStatus = ValueStatus.final,
) -> IndicatorValue:
    """The value of ``year`` of ``indicator`` (a new one by default), for the whole territory or
    one commune (which must exist)."""
    row, _created = indicator_service.put_value(
        session=session,
        actor=FACTORY_ACTOR,
        indicator=indicator if indicator is not None else _indicator(session),
        year=year,
        commune=commune,
        data=IndicatorValueInput(value=value, status=status),
    )
    return row


def keys(session: Session, *, env: Directorate, dev: Directorate) -> Tokens:
    """A token of every kind of caller: "admin", "env-editor" and "dev-editor" (editors of
    ``env`` and ``dev``), and "old-admin", revoked."""
    made = Tokens(
        admin=token(session, role=Role.admin, name="admin"),
        env=token(session, directorates=[env], name="env-editor"),
        dev=token(session, directorates=[dev], name="dev-editor"),
        revoked=token(session, role=Role.admin, name="old-admin"),
    )
    tokens.revoke(session=session, name="old-admin")
    return made


@dataclass(frozen=True)
class Leads:
    """What ``leads`` made, by code (the rows are gone with their session)."""

    engagement: str
    axis: str  # holds ``sibling`` then ``action``
    sibling: str  # led by nobody
    action: str  # led by ENV
    other_axis: str  # of the same engagement, holds ``dev_action``
    dev_action: str  # led by DEV
    flagship: str  # of the engagement, led by ENV, serving nothing
    keys: Tokens  # admin, ENV and DEV editors ("env-editor", "dev-editor"), a revoked admin


def leads(session: Session) -> Leads:
    """Two directorates, ENV and DEV, each leading an action of one engagement (ENV also its
    flagship project), and a token of every kind of caller."""
    env = directorate(session, code="ENV", name="Direction de l'environnement")
    dev = directorate(session, code="DEV", name="Direction du développement économique")
    parent = engagement(session)
    first, second = axis(session, engagement=parent), axis(session, engagement=parent)
    sibling = action(session, axis=first)
    led = action(session, axis=first, lead=env)
    dev_action = action(session, axis=second, lead=dev)
    project = flagship_project(session, engagement=parent, lead=env)
    return Leads(
        engagement=parent.code,
        axis=first.code,
        sibling=sibling.code,
        action=led.code,
        other_axis=second.code,
        dev_action=dev_action.code,
        flagship=project.code,
        keys=keys(session, env=env, dev=dev),
    )
