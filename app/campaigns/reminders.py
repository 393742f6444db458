"""The campaign's reminders by e-mail: what is due (``due``), the mail of each (``compose``), and
sending them once (``send``); run by ``boussole campaign remind`` (app.tooling.campaign_commands),
which a scheduler starts every day (README, "Reminders").

What is due, for the **open** campaign of year Y (none open: nothing):

- ``opening``: every active editor account of each directorate (not archived) leading an expected
  trackable (app.campaigns.campaigns.expected) gets one mail per directorate it acts for, from the
  opening up to the deadline. An account added later gets its own at the next run.
- ``deadline``: from ``BOUSSOLE_REMINDER_DAYS`` days before the deadline to the deadline itself,
  the editors of each directorate with at least one expected trackable to do, in draft or sent
  back (neither submitted nor validated) get one mail listing them. Its subject holds the deadline:
  a deadline moved later reminds again before the new one.
- ``sent_back``: a report of Y an admin sent back: the editors of its lead directorate, as long as
  the campaign is open (past its deadline too). Its subject holds the time of the review, so a
  report sent back a second time mails again.

Only years with an open campaign are reminded: editors can only write within it
(app.campaigns.pending), so a mail about another year would ask them for the impossible.

**Never twice.** ``sent_reminder`` holds one row per (year, kind, subject, e-mail), unique. ``send``
handles each reminder in turn, in this order:

1. *claim*: ``INSERT … ON CONFLICT DO NOTHING RETURNING id`` of its row, committed at once in its
   own transaction (SQLite and PostgreSQL alike); no row inserted means another run (two
   overlapping ``remind``) has it: skipped. On PostgreSQL an INSERT of a key another
   transaction has just inserted waits for that one to commit, then does nothing;
2. *send* the mail over the one SMTP connection of the run;
3. on failure, *release*: delete the row (its own transaction), so the next run tries again.

A mail is so never sent twice; a run killed between 1 and 2 loses the one mail it was about to
send (claims are taken one at a time) rather than risk a double. The SMTP connection is opened
before anything is claimed: a server out of reach records nothing. The database's write lock
(SQLite) is held for the claim's INSERT only, never while talking to the SMTP server.

Reading what is due is a fixed number of queries (seven), whatever the number of people.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import Engine, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from app.campaigns import campaigns
from app.core.config import get_settings
from app.core.dates import french_day
from app.core.mail import Mail, Mailer, MailError
from app.models import (
    Account,
    AccountDirectorate,
    Directorate,
    PendingReport,
    ReminderKind,
    ReportState,
    Role,
    SentReminder,
    Trackable,
)
from app.models.base import utcnow

#: The states a deadline reminder is about: not yet with the admins, nor published.
OUTSTANDING = (ReportState.to_do, ReportState.draft, ReportState.sent_back)
#: The path of "Mes actions", where every mail points.
MY_ACTIONS_PATH = "/mes-actions"
#: Trackables a mail lists at most (then "et N autres").
LISTED_AT_MOST = 30

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_TEMPLATES.filters["day"] = french_day


@dataclass(frozen=True)
class Item:
    """A trackable a reminder is about, and where its report stands."""

    code: str
    title: str
    state: ReportState


@dataclass(frozen=True)
class DueReminder:
    """A reminder to mail now: to whom (``email``, ``name``), for which directorate, about what.

    ``subject`` is what ``sent_reminder`` records with (year, kind, email): the directorate's
    code (opening), its code and the deadline (``DEV@2026-03-31``), or the report sent back and
    the time of its review (``E1.1.1/2025#2026-02-03T10:15:00.123456+00:00``)."""

    kind: ReminderKind
    year: int
    subject: str
    email: str
    name: str
    directorate_code: str
    directorate_name: str
    deadline: date
    #: Days from today to the deadline (0: the deadline is today).
    days_left: int
    items: tuple[Item, ...]
    #: The campaign's message to the directorates (opening), or the admin's comment (sent back).
    message: str = ""

    @property
    def kind_label(self) -> str:
        return self.kind.label

    @property
    def mail_subject(self) -> str:
        """The mail's subject line, in French."""
        year = self.year
        if self.kind == ReminderKind.opening:
            return (
                f"Bilan {year} : la campagne est ouverte, échéance le {french_day(self.deadline)}"
            )
        if self.kind == ReminderKind.deadline:
            if self.days_left == 0:
                return f"Bilan {year} : dernier jour pour transmettre vos bilans"
            if self.days_left == 1:
                return f"Bilan {year} : plus qu'un jour pour transmettre vos bilans"
            return f"Bilan {year} : plus que {self.days_left} jours pour transmettre vos bilans"
        return f"Bilan {year} de {self.items[0].code} renvoyé pour correction"

    @property
    def about(self) -> str:
        """What the reminder is about, in one French sentence (the admin page lists it)."""
        count = len(self.items)
        reports = f"{count} bilan{'s' if count > 1 else ''}"
        if self.kind == ReminderKind.opening:
            return f"Ouverture de la campagne {self.year} : {reports} à renseigner."
        if self.kind == ReminderKind.deadline:
            codes = ", ".join(item.code for item in self.items[:5])
            more = ", …" if count > 5 else ""
            return (
                f"Échéance du {french_day(self.deadline)} : {reports} à transmettre "
                f"({codes}{more})."
            )
        return f"Bilan {self.items[0].code} renvoyé pour correction."


def due(*, session: Session, today: date, days_before: int | None = None) -> list[DueReminder]:
    """The reminders to mail on ``today`` (the date in Paris: app.core.dates.paris_today) and
    not mailed yet, by kind, directorate, then e-mail; empty when no campaign is open.

    Read-only (the command sends them; the admin page lists them when no SMTP server is set up),
    in seven queries whatever the number of trackables and people. ``days_before``: how long
    before the deadline the ``deadline`` reminder starts (default ``BOUSSOLE_REMINDER_DAYS``)."""
    campaign = campaigns.get_open(session=session)
    if campaign is None:
        return []
    year, deadline = campaign.year, campaign.deadline
    if days_before is None:
        days_before = get_settings().reminder_days
    expected = campaigns.expected(session)
    found = campaigns.states(session, year, None)
    led: dict[int, list[Item]] = defaultdict(list)
    for trackable in expected:
        if trackable.lead_directorate_id is not None:
            assert trackable.id is not None
            state = found.get(trackable.id, ReportState.to_do)
            led[trackable.lead_directorate_id].append(
                Item(code=trackable.code, title=trackable.title, state=state)
            )
    sent_back = _sent_back(session, year)
    people = _editors(session, set(led) | {lead for lead, _item, _key, _note in sent_back})
    already = set(
        session.exec(
            select(SentReminder.kind, SentReminder.subject, SentReminder.email).where(
                col(SentReminder.year) == year
            )
        ).all()
    )
    made: list[DueReminder] = []

    def add(kind: ReminderKind, lead: int, subject: str, items: list[Item], message: str) -> None:
        for email, name, code, directorate_name in people.get(lead, []):
            if (kind, subject, email) in already:
                continue
            made.append(
                DueReminder(
                    kind=kind,
                    year=year,
                    subject=subject,
                    email=email,
                    name=name,
                    directorate_code=code,
                    directorate_name=directorate_name,
                    deadline=deadline,
                    days_left=(deadline - today).days,
                    items=tuple(items),
                    message=message,
                )
            )

    code_of = {lead: rows[0][2] for lead, rows in people.items()}  # the directorate's code
    before_deadline = today <= deadline
    for lead, items in led.items():
        if lead in code_of and before_deadline:
            add(ReminderKind.opening, lead, code_of[lead], items, campaign.message)
    if before_deadline and today >= deadline - timedelta(days=days_before):
        for lead, items in led.items():
            outstanding = [item for item in items if item.state in OUTSTANDING]
            if outstanding and lead in code_of:
                subject = f"{code_of[lead]}@{deadline.isoformat()}"
                add(ReminderKind.deadline, lead, subject, outstanding, "")
    for lead, item, key, note in sent_back:
        add(ReminderKind.sent_back, lead, key, [item], note)
    order = list(ReminderKind)
    made.sort(key=lambda r: (order.index(r.kind), r.directorate_code, r.subject, r.email))
    return made


def _sent_back(session: Session, year: int) -> list[tuple[int, Item, str, str]]:
    """The reports of ``year`` sent back, on live trackables with a lead directorate:
    (lead directorate id, the item, the reminder's subject, the admin's comment)."""
    rows = session.exec(
        select(Trackable, PendingReport.reviewed_at, PendingReport.review_comment)
        .join(PendingReport, col(Trackable.id) == col(PendingReport.trackable_id))
        .where(
            col(PendingReport.year) == year,
            col(PendingReport.state) == ReportState.sent_back,
            col(Trackable.archived_at).is_(None),
            col(Trackable.lead_directorate_id).is_not(None),
        )
        .order_by(col(Trackable.code))
    ).all()
    return [
        (
            t.lead_directorate_id,
            Item(t.code, t.title, ReportState.sent_back),
            _review_key(t.code, year, at),
            note,
        )
        for t, at, note in rows
        if t.lead_directorate_id is not None
    ]


def _review_key(code: str, year: int, reviewed_at: datetime | None) -> str:
    moment = reviewed_at.isoformat(timespec="microseconds") if reviewed_at else "-"
    return f"{code}/{year}#{moment}"


def _editors(
    session: Session, directorate_ids: set[int]
) -> dict[int, list[tuple[str, str, str, str]]]:
    """``{directorate id: [(email, name, directorate code, directorate name)]}``: the active
    editor accounts of those directorates that are not archived, by e-mail (one query)."""
    if not directorate_ids:
        return {}
    rows = session.exec(
        select(AccountDirectorate.directorate_id, Account.email, Account.display_name, Directorate)
        .join(Account, col(Account.id) == col(AccountDirectorate.account_id))
        .join(Directorate, col(Directorate.id) == col(AccountDirectorate.directorate_id))
        .where(
            col(AccountDirectorate.directorate_id).in_(sorted(directorate_ids)),
            col(Account.active).is_(True),
            col(Account.role) == Role.editor,
            col(Directorate.archived_at).is_(None),
        )
        .order_by(col(Account.email))
    ).all()
    people: dict[int, list[tuple[str, str, str, str]]] = defaultdict(list)
    for directorate_id, email, name, directorate in rows:
        people[directorate_id].append((email, name, directorate.code, directorate.name))
    return dict(people)


# --- The mail ------------------------------------------------------------------------------------


def compose(reminder: DueReminder, *, base_url: str) -> Mail:
    """The French mail of ``reminder`` (plain text and HTML), linking to "Mes actions" under
    ``base_url`` (app.core.config.Settings.base_url)."""
    context: dict[str, Any] = {
        "reminder": reminder,
        "link": f"{base_url.rstrip('/')}{MY_ACTIONS_PATH}",
        "items": reminder.items[:LISTED_AT_MOST],
        "more": max(0, len(reminder.items) - LISTED_AT_MOST),
    }
    name = reminder.kind.value
    return Mail(
        to=reminder.email,
        to_name=reminder.name,
        subject=reminder.mail_subject,
        text=_TEMPLATES.get_template(f"{name}.txt").render(context),
        html=_TEMPLATES.get_template(f"{name}.html").render(context),
    )


# --- Sending, once --------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What ``send`` did: mailed, left to another run that had claimed them, failed (with why,
    in French; released, so the next run tries again), and not tried after the connection was
    lost (nothing recorded for them either)."""

    sent: list[DueReminder] = field(default_factory=list)
    skipped: list[DueReminder] = field(default_factory=list)
    failed: list[tuple[DueReminder, str]] = field(default_factory=list)
    not_tried: list[DueReminder] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.failed and not self.not_tried


def _claim(engine: Engine, reminder: DueReminder) -> bool:
    """Record ``reminder`` as sent, in a transaction of its own; False if a row was there."""
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(SentReminder)
        .values(
            year=reminder.year,
            kind=reminder.kind,
            subject=reminder.subject,
            email=reminder.email,
            sent_at=utcnow(),
        )
        .on_conflict_do_nothing()
        .returning(col(SentReminder.id))
    )
    with engine.begin() as connection:
        # A row back: inserted. None: the row was there (psycopg gives no rowcount here).
        return connection.execute(statement).first() is not None


def _release(engine: Engine, reminder: DueReminder) -> None:
    """Forget the claim of a reminder whose mail failed: the next run sends it."""
    with engine.begin() as connection:
        connection.execute(
            delete(SentReminder).where(
                col(SentReminder.year) == reminder.year,
                col(SentReminder.kind) == reminder.kind,
                col(SentReminder.subject) == reminder.subject,
                col(SentReminder.email) == reminder.email,
            )
        )


def send(
    *, engine: Engine, reminders: Sequence[DueReminder], mailer: Mailer, base_url: str
) -> Outcome:
    """Mail each of ``reminders`` not mailed yet, through ``mailer`` (connected): claim, send,
    release on failure (the module's docstring). Commits each claim itself, unlike a service:
    a claim must be seen by an overlapping run at once."""
    outcome = Outcome()
    for index, reminder in enumerate(reminders):
        if not _claim(engine, reminder):
            outcome.skipped.append(reminder)
            continue
        try:
            mailer.send(compose(reminder, base_url=base_url))
        except MailError as exc:
            _release(engine, reminder)
            outcome.failed.append((reminder, exc.message))
            if exc.connection_lost:
                outcome.not_tried.extend(reminders[index + 1 :])
                break
            continue
        except BaseException:  # a bug, or the run interrupted (Ctrl-C): not sent, not kept
            _release(engine, reminder)
            raise
        outcome.sent.append(reminder)
    return outcome
