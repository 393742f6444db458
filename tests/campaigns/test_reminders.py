"""The campaign's reminders (app.campaigns.reminders) and `boussole campaign remind`, mailed to a
real SMTP server on loopback (aiosmtpd) whose received messages are read back: who gets what,
when, never twice (across runs, and between two runs at once), a failed mail retried."""

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from app.accounts import accounts
from app.campaigns import campaigns, pending, reminders
from app.cli import app as cli_app
from app.core.config import get_settings
from app.core.dates import paris_today
from app.core.db import make_engine
from app.core.mail import Mailer, parse_smtp_url
from app.models import Campaign, Directorate, Role, SentReminder, Status, Trackable
from app.models.base import utcnow
from app.models.campaigns import ReminderKind, ReportState
from tests import factories as make
from tests.campaigns.smtp_server import SmtpServer, smtp_server
from tests.conftest import QueryCounter
from tests.factories import FACTORY_ACTOR, session_on
from tests.servers import free_port

runner = CliRunner()
ANNE = "anne@caph.fr"  # editor of ENV
BRUNO = "bruno@caph.fr"  # editor of ENV and DEV
DORA = "dora@caph.fr"  # editor of DEV, invited, has not chosen a password yet
RETIRED = "ancien@caph.fr"  # editor of ENV, deactivated
OLGA = "olga@caph.fr"  # editor of OLD, an archived directorate
ADMIN = "admin@caph.fr"
PUBLIC_URL = "https://boussole.example.fr"
MESSAGE = "Merci de renseigner vos bilans avant la fin mars."
#: The deadline of the campaign the tests open, unless they say otherwise.
DEADLINE = date(2026, 3, 31)


@dataclass(frozen=True)
class World:
    url: str
    year: int
    deadline: date
    env_actions: tuple[str, str]  # led by ENV; the first one's title needs escaping
    dev_action: str


def build(url: str, *, deadline: date = DEADLINE) -> World:
    """ENV leads two actions, DEV one (and an abandoned one: not expected), OLD (archived) one;
    the campaign of the year before the deadline's is open."""
    year = deadline.year - 1
    with session_on(url) as session:
        env = make.directorate(session, code="ENV", name="Direction de l'environnement")
        dev = make.directorate(session, code="DEV", name="Direction du développement")
        old = make.directorate(session, code="OLD", name="Ancienne direction")
        first = make.action(session, lead=env, title="Écoles <b>sobres</b> & « vertes »")
        second = make.action(session, lead=env, title="Réseau de chaleur")
        dev_action = make.action(session, lead=dev, title="Zones d'activité")
        make.action(session, lead=dev, status=Status.abandoned, title="Abandonnée")
        make.action(session, lead=old, title="Action de l'ancienne direction")
        make.account(session, email=ANNE, display_name="Anne Dupré", directorates=[env])
        make.account(session, email=BRUNO, display_name="Bruno Leroy", directorates=[env, dev])
        make.account(
            session, email=DORA, display_name="Dora Marchal", directorates=[dev], password=None
        )
        # (Without a password, the people below cost no Argon2 hash: the same to the reminders.)
        retired = make.account(
            session, email=RETIRED, display_name="Ancien", directorates=[env], password=None
        )
        accounts.deactivate(session=session, actor=FACTORY_ACTOR, account=retired)
        make.account(session, email=OLGA, display_name="Olga", directorates=[old], password=None)
        make.account(session, email=ADMIN, display_name="Adam", role=Role.admin, password=None)
        # The services refuse to archive a directorate that leads a live action: the reminders'
        # own filter is the last guard, tested here.
        old.archived_at = utcnow()
        make.campaign(session, year=year, deadline=deadline, message=MESSAGE)
        session.commit()
        return World(url, year, deadline, (first.code, second.code), dev_action.code)


def due(url: str, today: date, days_before: int | None = None) -> list[reminders.DueReminder]:
    with session_on(url) as session:
        return reminders.due(session=session, today=today, days_before=days_before)


def who(found: list[reminders.DueReminder]) -> list[tuple[str, str, str]]:
    return [(r.kind.value, r.directorate_code, r.email) for r in found]


def everyone(kind: str) -> list[tuple[str, str, str]]:
    """The reminders of ``kind`` when both directorates are reminded: DEV's editors, then ENV's
    (for ``who``, and for ``sent_rows`` of the opening, whose subject is the directorate)."""
    return [(kind, "DEV", BRUNO), (kind, "DEV", DORA), (kind, "ENV", ANNE), (kind, "ENV", BRUNO)]


def trackable(session: Session, code: str) -> Trackable:
    return session.exec(select(Trackable).where(col(Trackable.code) == code)).one()


def pend(url: str, code: str, year: int, state: ReportState) -> None:
    """The pending report of ``code`` for ``year`` in ``state`` (sent back: "À compléter")."""
    with session_on(url) as session:
        make.pending_report(session, trackable=trackable(session, code), year=year, state=state)
        session.commit()


def sent_rows(url: str) -> list[tuple[str, str, str]]:
    with session_on(url) as session:
        rows = session.exec(select(SentReminder).order_by(col(SentReminder.id))).all()
        return [(r.kind.value, r.subject, r.email) for r in rows]


# --- What is due ---------------------------------------------------------------------------------


def test_the_opening_reaches_every_active_editor_of_each_leading_directorate(
    empty_db_url: str,
) -> None:
    world = build(empty_db_url)
    found = due(empty_db_url, DEADLINE - timedelta(days=30))
    # Not the deactivated account, not the archived directorate's editor, not the admin; the
    # invited editor who has not chosen a password yet is reminded (or signs in by OIDC).
    assert who(found) == everyone("opening")
    anne = found[2]
    assert (anne.year, anne.subject, anne.name) == (world.year, "ENV", "Anne Dupré")
    assert anne.directorate_name == "Direction de l'environnement"
    assert anne.message == MESSAGE
    assert [i.code for i in anne.items] == sorted(world.env_actions)
    assert anne.mail_subject == "Bilan 2025 : la campagne est ouverte, échéance le 31 mars 2026"
    assert anne.about == "Ouverture de la campagne 2025 : 2 bilans à renseigner."
    assert anne.kind_label == "Ouverture de la campagne"
    # No campaign open: nothing.
    with session_on(empty_db_url) as session:
        campaign = session.exec(select(Campaign)).one()
        campaigns.close(session=session, actor=FACTORY_ACTOR, campaign=campaign)
        session.commit()
    assert due(empty_db_url, DEADLINE - timedelta(days=30)) == []


def test_the_deadline_window_and_what_is_outstanding(empty_db_url: str) -> None:
    world = build(empty_db_url)
    first, second = world.env_actions
    pend(empty_db_url, first, world.year, ReportState.draft)
    pend(empty_db_url, second, world.year, ReportState.submitted)
    # Default BOUSSOLE_REMINDER_DAYS: 7.
    assert get_settings().reminder_days == 7
    assert "deadline" not in [kind for kind, *_ in who(due(empty_db_url, DEADLINE - timedelta(8)))]
    window = due(empty_db_url, DEADLINE - timedelta(days=7))
    deadline = [r for r in window if r.kind == ReminderKind.deadline]
    # ENV: a draft is not submitted; DEV: nothing written yet.
    assert who(deadline) == everyone("deadline")
    env = deadline[2]
    assert env.subject == "ENV@2026-03-31"
    assert [(i.code, i.state) for i in env.items] == [(first, ReportState.draft)]
    assert env.days_left == 7
    assert env.mail_subject == "Bilan 2025 : plus que 7 jours pour transmettre vos bilans"
    assert env.about == f"Échéance du 31 mars 2026 : 1 bilan à transmettre ({first})."
    last_day = due(empty_db_url, DEADLINE)
    assert next(r.mail_subject for r in last_day if r.kind == ReminderKind.deadline) == (
        "Bilan 2025 : dernier jour pour transmettre vos bilans"
    )
    # The day after the deadline: neither opening nor deadline reminders any more.
    assert due(empty_db_url, DEADLINE + timedelta(days=1)) == []
    # days_before 0: on the deadline only.
    assert all(
        r.kind == ReminderKind.opening for r in due(empty_db_url, DEADLINE - timedelta(1), 0)
    )

    # Everything of ENV submitted: ENV is no longer reminded, DEV still is.
    with session_on(empty_db_url) as session:
        pending.submit(
            session=session,
            actor=FACTORY_ACTOR,
            trackable=trackable(session, first),
            year=world.year,
            if_match=None,
        )
        session.commit()
    window = due(empty_db_url, DEADLINE - timedelta(days=2))
    assert {r.directorate_code for r in window if r.kind == ReminderKind.deadline} == {"DEV"}


def test_reading_what_is_due_takes_a_fixed_number_of_queries(empty_db_url: str) -> None:
    build(empty_db_url)
    engine = make_engine(empty_db_url)

    def count() -> tuple[int, int]:
        counter = QueryCounter()
        event.listen(engine, "before_cursor_execute", counter)
        try:
            with Session(engine) as session:
                found = reminders.due(session=session, today=DEADLINE - timedelta(days=3))
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        return counter.count, len(found)

    before = count()
    with session_on(empty_db_url) as session:
        for number in range(6):
            lead = make.directorate(session)
            for _ in range(3):
                make.action(session, lead=lead)
            make.account(
                session, email=f"agent{number}@caph.fr", directorates=[lead], password=None
            )
        session.commit()
    after = count()
    engine.dispose()
    assert after[1] == before[1] + 12  # six people, an opening and a deadline reminder each
    assert after[0] == before[0] == 7


# --- Sending: the command, a real SMTP server ----------------------------------------------------


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def remind_env(
    monkeypatch: pytest.MonkeyPatch, empty_db_url: str, smtp: SmtpServer
) -> Iterator[str]:
    """`boussole campaign remind` pointed at this test's database and SMTP server."""
    monkeypatch.setenv("BOUSSOLE_DATABASE_URL", empty_db_url)
    monkeypatch.setenv("BOUSSOLE_SMTP_URL", smtp.url)
    monkeypatch.setenv("BOUSSOLE_MAIL_FROM", "Boussole <boussole@caph.fr>")
    monkeypatch.setenv("BOUSSOLE_PUBLIC_URL", f"{PUBLIC_URL}/")
    monkeypatch.setenv("COLUMNS", "250")
    get_settings.cache_clear()
    yield empty_db_url
    get_settings.cache_clear()


def remind(*options: str) -> tuple[int, str]:
    result = runner.invoke(cli_app, ["campaign", "remind", *options])
    return result.exit_code, " ".join(result.output.split())


def test_remind_mails_each_reminder_once(remind_env: str, smtp: SmtpServer) -> None:
    world = build(remind_env, deadline=paris_today() + timedelta(days=30))
    code, output = remind()
    assert code == 0, output
    assert "Rappels : 4 envoyé(s) sur 4" in output
    inbox = smtp.inbox
    assert sorted(r for m in inbox.messages for r in m.recipients) == sorted(
        [ANNE, BRUNO, BRUNO, DORA]
    )
    assert all(len(m.recipients) == 1 for m in inbox.messages)  # one mail per person
    (anne,) = inbox.to(ANNE)
    assert anne.sender == "boussole@caph.fr"
    assert anne.subject.startswith(f"Bilan {world.year} : la campagne est ouverte, échéance le")
    assert anne.message["To"].addresses[0].display_name == "Anne Dupré"
    text, html = anne.part("plain"), anne.part("html")
    link = f"{PUBLIC_URL}/mes-actions"
    assert f"Ouvrir « Mes actions » : {link}" in text
    assert f'href="{link}"' in html
    for body in (text, html):
        assert "Bonjour Anne Dupré" in body
        assert MESSAGE in body
        assert world.env_actions[1] in body
    assert "Direction concernée : Direction de l'environnement (ENV)." in text
    assert "Direction concernée&nbsp;: Direction de l&#39;environnement (ENV)." in html
    # What people wrote is escaped in the HTML part, kept as is in the text.
    assert "Écoles <b>sobres</b> & « vertes »" in text
    assert "Écoles &lt;b&gt;sobres&lt;/b&gt; &amp; « vertes »" in html
    assert "<b>sobres" not in html
    assert sorted(sent_rows(remind_env)) == everyone("opening")

    again_code, again = remind()
    assert again_code == 0 and "Aucun rappel à envoyer aujourd'hui." in again
    assert len(inbox.messages) == 4

    # An editor added later gets the opening mail at the next run, alone.
    with session_on(remind_env) as session:
        env = session.exec(select(Directorate).where(col(Directorate.code) == "ENV")).one()
        make.account(session, email="nouvelle@caph.fr", directorates=[env])
        session.commit()
    assert remind()[0] == 0
    assert [m.recipients for m in inbox.messages[4:]] == [["nouvelle@caph.fr"]]


def test_the_deadline_reminder_goes_to_directorates_with_reports_outstanding(
    remind_env: str, smtp: SmtpServer
) -> None:
    world = build(remind_env, deadline=paris_today() + timedelta(days=3))
    for action in world.env_actions:
        pend(remind_env, action, world.year, ReportState.submitted)
    code, output = remind()
    assert code == 0, output
    deadline = [m for m in smtp.inbox.messages if "pour transmettre vos bilans" in m.subject]
    # ENV has submitted everything: only DEV's editors.
    assert sorted(r for m in deadline for r in m.recipients) == [BRUNO, DORA]
    (dora,) = [m for m in deadline if DORA in m.recipients]
    assert dora.subject == f"Bilan {world.year} : plus que 3 jours pour transmettre vos bilans"
    assert world.dev_action in dora.part("plain") and "À faire" in dora.part("plain")
    assert f"{PUBLIC_URL}/mes-actions" in dora.part("html")
    assert remind()[0] == 0
    assert len([m for m in smtp.inbox.messages if "pour transmettre" in m.subject]) == 2


def test_a_report_sent_back_mails_its_directorate_each_time(
    remind_env: str, smtp: SmtpServer
) -> None:
    world = build(remind_env, deadline=paris_today() + timedelta(days=30))
    assert remind()[0] == 0  # the opening mails
    first = world.env_actions[1]
    pend(remind_env, first, world.year, ReportState.sent_back)
    assert remind()[0] == 0
    sent_back = smtp.inbox.messages[4:]
    assert sorted(r for m in sent_back for r in m.recipients) == [ANNE, BRUNO]
    assert sent_back[0].subject == f"Bilan {world.year} de {first} renvoyé pour correction"
    assert "À compléter" in sent_back[0].part("plain")  # the admin's comment
    assert remind()[0] == 0
    assert len(smtp.inbox.messages) == 6  # not twice

    # Submitted again, sent back again: a new mail.
    with session_on(remind_env) as session:
        action = trackable(session, first)
        pending.submit(
            session=session, actor=FACTORY_ACTOR, trackable=action, year=world.year, if_match=None
        )
        pending.send_back(
            session=session,
            actor=FACTORY_ACTOR,
            trackable=action,
            year=world.year,
            comment="Le budget dépensé manque.",
            if_match=None,
        )
        session.commit()
    assert remind()[0] == 0
    again = smtp.inbox.messages[6:]
    assert sorted(r for m in again for r in m.recipients) == [ANNE, BRUNO]
    assert "Le budget dépensé manque." in again[0].part("html")
    assert len([row for row in sent_rows(remind_env) if row[0] == "sent_back"]) == 4


def test_dry_run_sends_and_records_nothing(remind_env: str, smtp: SmtpServer) -> None:
    build(remind_env, deadline=paris_today() + timedelta(days=30))
    code, output = remind("--dry-run")
    assert code == 0, output
    assert "4 rappels à envoyer" in output
    assert ANNE in output and DORA in output and RETIRED not in output
    assert "Rien n'a été envoyé ni enregistré (--dry-run)." in output
    assert smtp.inbox.messages == [] and sent_rows(remind_env) == []


def test_without_smtp_settings_it_lists_who_would_be_reminded_and_fails(
    remind_env: str, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(remind_env, deadline=paris_today() + timedelta(days=30))
    monkeypatch.delenv("BOUSSOLE_SMTP_URL")
    monkeypatch.delenv("BOUSSOLE_MAIL_FROM")
    get_settings.cache_clear()
    code, output = remind()
    assert code == 1
    assert (
        "Envoi impossible : aucun serveur de courriel n'est configuré (BOUSSOLE_SMTP_URL et "
        "BOUSSOLE_MAIL_FROM)." in output
    )
    assert "4 rappels en attente" in output and BRUNO in output
    assert sent_rows(remind_env) == []
    assert remind("--dry-run")[0] == 0  # listing works without mail


def test_no_mail_without_a_public_url_to_link_to(
    remind_env: str, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(remind_env, deadline=paris_today() + timedelta(days=30))
    monkeypatch.delenv("BOUSSOLE_PUBLIC_URL")
    get_settings.cache_clear()
    code, output = remind()
    assert code == 1
    assert "Envoi impossible : BOUSSOLE_PUBLIC_URL n'est pas défini" in output
    assert smtp.inbox.messages == [] and sent_rows(remind_env) == []


def test_smtp_server_down_records_nothing(
    remind_env: str, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(remind_env, deadline=paris_today() + timedelta(days=30))
    port = free_port()
    monkeypatch.setenv("BOUSSOLE_SMTP_URL", f"smtp+starttls://boussole:s3cret-pw@127.0.0.1:{port}")
    get_settings.cache_clear()
    code, output = remind()
    assert code == 1
    assert (
        f"Aucun rappel envoyé : serveur SMTP smtp+starttls://boussole@127.0.0.1:{port} "
        "injoignable : connexion refusée. Rien n'a été enregistré : les 4 rappels partiront au "
        "prochain passage."
    ) in output
    assert "s3cret-pw" not in output
    assert sent_rows(remind_env) == []
    # The server is back: everything goes.
    monkeypatch.setenv("BOUSSOLE_SMTP_URL", smtp.url)
    get_settings.cache_clear()
    assert remind()[0] == 0
    assert len(smtp.inbox.messages) == 4


def test_a_mail_refused_is_not_recorded_and_goes_next_time(
    remind_env: str, smtp: SmtpServer
) -> None:
    build(remind_env, deadline=paris_today() + timedelta(days=30))
    smtp.inbox.refuse.add(BRUNO)
    code, output = remind()
    assert code == 1
    assert "Rappels : 2 envoyé(s) sur 4" in output
    assert f"échec : adresse {BRUNO} refusée par le serveur SMTP (550" in output
    assert "2 rappels non envoyé(s), non enregistré(s)" in output
    assert sorted(email for *_, email in sent_rows(remind_env)) == [ANNE, DORA]
    smtp.inbox.refuse.clear()
    assert remind()[0] == 0
    assert [m.recipients for m in smtp.inbox.messages[2:]] == [[BRUNO], [BRUNO]]


def test_bad_settings_are_named_without_their_value(
    remind_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOUSSOLE_SMTP_URL", "smtp://boussole:s3cret-pw@mail.caph.fr")
    get_settings.cache_clear()
    code, output = remind()
    assert code == 1
    assert "Réglages invalides : BOUSSOLE_SMTP_URL : Value error, would send the password" in output
    assert "s3cret-pw" not in output


# --- Two runs at once -----------------------------------------------------------------------------


def test_two_runs_at_once_never_mail_twice(empty_db_url: str, smtp: SmtpServer) -> None:
    """Two overlapping runs read the same reminders due and send them at the same time, each
    with its own engine and SMTP connection: every mail goes exactly once."""
    build(empty_db_url)
    with session_on(empty_db_url) as session:
        for number in range(20):
            lead = make.directorate(session)
            make.action(session, lead=lead)
            make.account(
                session, email=f"agent{number:02d}@caph.fr", directorates=[lead], password=None
            )
        session.commit()
    found = due(empty_db_url, DEADLINE - timedelta(days=3))
    assert len(found) == 2 * 24  # opening and deadline, for four people and twenty more
    outcomes: list[reminders.Outcome] = []
    start = threading.Barrier(2)

    def run() -> None:
        engine = make_engine(empty_db_url)
        try:
            server = parse_smtp_url(smtp.url)
            with Mailer(server, sender="boussole@caph.fr", timeout=10) as mailer:
                start.wait()
                outcomes.append(
                    reminders.send(
                        engine=engine, reminders=found, mailer=mailer, base_url=PUBLIC_URL
                    )
                )
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == 2
    delivered = [(m.recipients[0], m.part("plain")) for m in smtp.inbox.messages]
    assert len(delivered) == len(set(delivered)) == len(found)
    assert sum(len(o.sent) for o in outcomes) == len(found)
    assert sum(len(o.skipped) for o in outcomes) == len(found)
    assert len(sent_rows(empty_db_url)) == len(found)
