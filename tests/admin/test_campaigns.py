# ruff: noqa: F811  (the fixtures of tests/web/reporting_data.py, imported, are parameters)
"""/admin/campagnes through HTTP: open a campaign, follow it, review a report (validate and
publish, or send back with a comment), change the deadline and message, close it (its published
reports frozen), and the reminders it would send; every step audited as the admin, every refusal
in French next to its field with nothing written, editors refused, CSRF on every form. On the
data of tests/web/reporting_data.py (the 2025 campaign open)."""

from datetime import date, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.campaigns import campaigns, pending
from app.core.dates import paris_today
from app.core.security import CSRF_COOKIE
from app.models import (
    Campaign,
    CampaignSnapshot,
    PendingReport,
    ProgressReport,
    Status,
    Trackable,
)
from app.models.campaigns import CampaignOpen, MilestoneDraft, PendingReportInput
from tests.admin.conftest import audit_entries, field_error, notice, page_text
from tests.factories import FACTORY_ACTOR, session_on
from tests.helpers import csrf_token, snapshot
from tests.web.reporting_data import (  # noqa: F401  (fixtures)
    ADMIN,
    EDITOR,
    MESSAGE,
    Codes,
    admin,
    db_url,
    editor,
    form_values,
    known,
    reporting_template,
)

CAMPAIGN = "/admin/campagnes/2025"


def _post(client: TestClient, path: str, data: dict[str, str]) -> httpx.Response:
    return client.post(path, data=data, follow_redirects=False)


def _close(db_url: str) -> None:
    with session_on(db_url) as session:
        campaign = campaigns.get(session=session, year=2025)
        campaigns.close(session=session, actor=FACTORY_ACTOR, campaign=campaign)
        session.commit()


def _submit(db_url: str, code: str, comment: str = "Bilan transmis.") -> None:
    with session_on(db_url) as session:
        trackable = session.exec(select(Trackable).where(col(Trackable.code) == code)).one()
        pending.save(
            session=session,
            actor=FACTORY_ACTOR,
            trackable=trackable,
            year=2025,
            data=PendingReportInput(
                progress=60,
                status=Status.in_progress,
                comment=comment,
                indicator_values={"IND-ECOLES": 6} if code.endswith(".1.1") else {},
                milestones=[MilestoneDraft(title="Nouveau jalon", planned_on=date(2025, 11, 30))],
            ),
            if_match=None,
            submit=True,
        )
        session.commit()


# --- Who may see the pages ----------------------------------------------------------------------


#: Every route of the pages (tests/admin/test_access.py lists the others, checked the same way
#: there on data without a campaign): the path of an example, the action's report submitted.
ROUTES = {
    ("GET", "/admin/campagnes"): "/admin/campagnes",
    ("GET", "/admin/campagnes/{year}"): CAMPAIGN,
    ("GET", "/admin/campagnes/{year}/bilans/{code}"): CAMPAIGN + "/bilans/{action}",
    ("POST", "/admin/campagnes"): "/admin/campagnes",
    ("POST", "/admin/campagnes/{year}/modifier"): CAMPAIGN + "/modifier",
    ("POST", "/admin/campagnes/{year}/cloturer"): CAMPAIGN + "/cloturer",
    ("POST", "/admin/campagnes/{year}/bilans/{code}/valider"): CAMPAIGN
    + "/bilans/{action}/valider",
    ("POST", "/admin/campagnes/{year}/bilans/{code}/renvoyer"): (
        CAMPAIGN + "/bilans/{action}/renvoyer"
    ),
}
#: What the forms are sent with, their CSRF token aside.
FILLED = {"confirmer": "oui", "comment": "Non", "year": "2026", "deadline": "2027-03-31"}


def _paths(method: str, known: Codes) -> list[str]:
    return [path.format(action=known.action) for (m, _), path in ROUTES.items() if m == method]


def test_the_pages_are_for_admins(
    client: TestClient, editor: TestClient, admin: TestClient, db_url: str, known: Codes
) -> None:
    _submit(db_url, known.action)
    for path in _paths("GET", known):
        visitor = client.get(path, follow_redirects=False)
        assert visitor.status_code == 303 and visitor.headers["location"].startswith("/connexion")
        refused = editor.get(path)
        assert refused.status_code == 403 and "Accès réservé" in page_text(refused)
        shown = admin.get(path)
        assert shown.status_code == 200 and shown.headers["cache-control"] == "private, no-store"
        assert 'aria-current="page">Campagnes de bilan' in shown.text  # the admin menu
    token = csrf_token(editor.get("/mes-actions").text)
    anonymous = csrf_token(client.get("/connexion").text)
    before = snapshot(db_url)
    for path in _paths("POST", known):
        assert _post(editor, path, FILLED | {"csrf_token": token}).status_code == 403, path
        assert _post(client, path, FILLED).status_code == 403, path
        sent = _post(client, path, FILLED | {"csrf_token": anonymous})
        assert sent.status_code == 303 and sent.headers["location"].startswith("/connexion")
    assert snapshot(db_url) == before


def test_every_form_needs_its_csrf_token(admin: TestClient, db_url: str, known: Codes) -> None:
    _submit(db_url, known.action)
    token = csrf_token(admin.get("/admin/").text)
    before = snapshot(db_url)
    for path in _paths("POST", known):
        cookie = {"csrf_token": admin.cookies.get(CSRF_COOKIE) or ""}
        for sent in ({}, {"csrf_token": "faux"}, cookie):
            refused = _post(admin, path, FILLED | sent)
            assert refused.status_code == 403 and "Formulaire refusé" in page_text(refused), path
        as_json = admin.post(path, json=FILLED | {"csrf_token": token})
        assert as_json.status_code == 403, path
    assert snapshot(db_url) == before


def test_the_admin_menu_leads_to_the_campaigns(admin: TestClient) -> None:
    menu = admin.get("/admin/").text
    assert '<a href="/admin/campagnes">Campagnes de bilan</a>' in menu


# --- Opening --------------------------------------------------------------------------------


def test_open_a_campaign_after_closing_the_last(admin: TestClient, db_url: str) -> None:
    listed = admin.get("/admin/campagnes")
    assert "La campagne 2025 est ouverte" in page_text(listed)
    assert 'action="/admin/campagnes"' not in listed.text  # one open at a time
    _close(db_url)
    listed = admin.get("/admin/campagnes")
    fields = form_values(listed.text, "/admin/campagnes")
    opened = _post(
        admin,
        "/admin/campagnes",
        fields | {"year": "2026", "deadline": "2027-03-31", "message": "À vos bilans.\r\nMerci."},
    )
    assert opened.status_code == 303
    assert opened.headers["location"] == "/admin/campagnes/2026?fait=ouverte"
    page = admin.get(opened.headers["location"])
    assert notice(page) == "La campagne est ouverte : les directions peuvent remplir leurs bilans."
    assert "31 mars 2027" in page_text(page) and "À vos bilans.\nMerci." in page_text(page)
    with session_on(db_url) as session:
        row = session.exec(select(Campaign).where(col(Campaign.year) == 2026)).one()
        assert row.opened_by == ADMIN and row.is_open
    assert [(e.actor_name, e.action) for e in audit_entries(db_url, "campaign", "2026")] == [
        (ADMIN, "create")
    ]
    assert "Bilan 2026" in page_text(admin.get("/mes-actions"))


YEAR_RULE = "L'année du bilan s'écrit avec quatre chiffres, de 2024 à 2044."
DEADLINE_RULE = "La date limite s'écrit AAAA-MM-JJ, par exemple 2026-03-31."


@pytest.mark.parametrize(
    ("changes", "field", "message", "status"),
    [
        ({"year": "2050"}, "year", YEAR_RULE, 422),
        ({"year": "deux"}, "year", YEAR_RULE, 422),
        ({"year": "2025"}, "year", "La campagne 2025 a déjà eu lieu.", 409),
        ({"deadline": "31/03/2027"}, "deadline", DEADLINE_RULE, 422),
        ({"deadline": ""}, "deadline", DEADLINE_RULE, 422),
        (
            {"deadline": "2030-01-01"},
            "deadline",
            "L'échéance doit tomber entre le 1er janvier 2026 et le 31 décembre 2028.",
            422,
        ),
        (
            {"message": "x" * 20_001},
            "message",
            "Le message tient en 20 000 caractères au plus.",
            422,
        ),
    ],
)
def test_a_bad_campaign_is_refused_next_to_its_field(
    admin: TestClient,
    db_url: str,
    changes: dict[str, str],
    field: str,
    message: str,
    status: int,
) -> None:
    _close(db_url)
    fields = form_values(admin.get("/admin/campagnes").text, "/admin/campagnes")
    before = snapshot(db_url)
    refused = _post(
        admin, "/admin/campagnes", fields | {"year": "2026", "deadline": "2027-03-31"} | changes
    )
    assert refused.status_code == status
    assert field_error(refused, field) == message
    assert snapshot(db_url) == before


def test_a_second_open_campaign_is_refused(admin: TestClient, db_url: str) -> None:
    token = csrf_token(admin.get("/admin/campagnes").text)
    before = snapshot(db_url)
    refused = _post(
        admin, "/admin/campagnes", {"csrf_token": token, "year": "2026", "deadline": "2027-03-31"}
    )
    assert refused.status_code == 409
    assert field_error(refused, "year") == (
        "La campagne 2025 est encore ouverte : clôturez-la avant d'en ouvrir une autre."
    )
    assert snapshot(db_url) == before


# --- Following and changing ---------------------------------------------------------------------


def test_the_campaign_page_follows_every_report(
    admin: TestClient, db_url: str, known: Codes
) -> None:
    _submit(db_url, known.action)
    with session_on(db_url) as session:
        trackable = session.exec(
            select(Trackable).where(col(Trackable.code) == known.flagship)
        ).one()
        pending.save(
            session=session,
            actor=FACTORY_ACTOR,
            trackable=trackable,
            year=2025,
            data=PendingReportInput(progress=5, status=Status.planned),
            if_match=None,
        )
        session.commit()
    page = admin.get(CAMPAIGN)
    assert page.status_code == 200 and page.headers["cache-control"] == "private, no-store"
    text = page_text(page)
    assert "Campagne de bilan 2025" in text and "31 mars 2026" in text and MESSAGE in text
    submitted = text.split("Bilans transmis, à examiner")[1].split("Bilans en cours")[0]
    assert known.action in submitted and "Rénover les écoles" in submitted
    assert f'href="{CAMPAIGN}/bilans/{known.action}"' in page.text
    in_progress = text.split("Bilans en cours dans les directions")[1]
    assert known.flagship in in_progress.split("Date limite et message")[0]
    assert "Direction de l'environnement (ENV)" in text  # per lead directorate
    counts = text.split("Où en sont les bilans")[1]
    assert "Transmis" in counts and "Brouillon" in counts


def test_the_deadline_and_message_change(admin: TestClient, db_url: str) -> None:
    page = admin.get(CAMPAIGN)
    fields = form_values(page.text, f"{CAMPAIGN}/modifier")
    assert fields["deadline"] == "2026-03-31" and fields["message"] == MESSAGE
    changed = _post(
        admin, f"{CAMPAIGN}/modifier", fields | {"deadline": "2026-04-15", "message": "Plus tard."}
    )
    assert changed.status_code == 303
    assert changed.headers["location"] == f"{CAMPAIGN}?fait=modifiee"
    assert notice(admin.get(changed.headers["location"])) == "La campagne a été modifiée."
    with session_on(db_url) as session:
        row = campaigns.get(session=session, year=2025)
        assert (row.deadline.isoformat(), row.message) == ("2026-04-15", "Plus tard.")
    # The form of the page as it was: the version has moved on.
    before = snapshot(db_url)
    stale = _post(admin, f"{CAMPAIGN}/modifier", fields | {"message": "Encore."})
    assert stale.status_code == 409
    assert field_error(stale, "deadline").startswith("La campagne a été modifiée entre-temps")
    bad = _post(admin, f"{CAMPAIGN}/modifier", fields | {"deadline": "2024-06-01", "version": "2"})
    assert bad.status_code == 422
    assert field_error(bad, "deadline") == (
        "L'échéance doit tomber entre le 1er janvier 2025 et le 31 décembre 2027."
    )
    assert snapshot(db_url) == before


# --- Reviewing ---------------------------------------------------------------------------------


def test_a_report_is_sent_back_then_validated_and_published(
    admin: TestClient, editor: TestClient, db_url: str, known: Codes
) -> None:
    _submit(db_url, known.action, comment="Première version.")
    review = f"{CAMPAIGN}/bilans/{known.action}"
    page = admin.get(review)
    text = page_text(page)
    assert "Le bilan transmis" in text and "Première version." in text
    assert "Pour mémoire : le bilan 2024 publié" in text and "Bilan 2024 : les études" in text
    assert "IND-ECOLES : 6" in text and "Nouveau jalon" in text

    # Sending back needs a comment.
    fields = form_values(page.text, f"{review}/renvoyer")
    before = snapshot(db_url)
    refused = _post(admin, f"{review}/renvoyer", fields | {"comment": "  "})
    assert refused.status_code == 422
    assert field_error(refused, "comment").startswith("Dites à la direction ce qu'il faut corriger")
    assert snapshot(db_url) == before
    sent_back = _post(admin, f"{review}/renvoyer", fields | {"comment": "Précisez le budget."})
    assert sent_back.status_code == 303
    assert sent_back.headers["location"] == f"{CAMPAIGN}?fait=renvoye&bilan={known.action}"
    assert notice(admin.get(sent_back.headers["location"])) == (
        f"Le bilan {known.action} a été renvoyé à sa direction pour correction."
    )
    assert "Précisez le budget." in page_text(editor.get("/mes-actions"))
    # Not submitted any more: it cannot be validated.
    validate = form_values(page.text, f"{review}/valider")
    before = snapshot(db_url)
    refused = _post(admin, f"{review}/valider", validate | {"version": "2"})
    assert refused.status_code == 409 and "n'a pas été transmis" in page_text(refused)
    assert snapshot(db_url) == before

    _submit(db_url, known.action, comment="Seconde version.")
    page = admin.get(review)
    validated = _post(admin, f"{review}/valider", form_values(page.text, f"{review}/valider"))
    assert validated.status_code == 303
    assert notice(admin.get(validated.headers["location"])) == (
        f"Le bilan {known.action} a été validé et publié."
    )
    with session_on(db_url) as session:
        assert session.exec(select(PendingReport)).first() is None
        report = session.exec(
            select(ProgressReport)
            .join(Trackable, col(Trackable.id) == col(ProgressReport.trackable_id))
            .where(col(Trackable.code) == known.action, col(ProgressReport.year) == 2025)
        ).one()
        # Published in the words of who submitted it; the audit trail names the validator.
        assert (report.progress, report.comment, report.reported_by) == (
            60,
            "Seconde version.",
            "factory",
        )
    published = admin.get(f"/api/v1/actions/{known.action}/progress").json()
    assert [r["year"] for r in published] == [2024, 2025]
    values = admin.get("/api/v1/indicators/IND-ECOLES").json()
    assert any(v["year"] == 2025 and v["value"] == 6 for v in values["values"])
    steps = [
        (e.actor_name, (e.after or {}).get("state"))
        for e in audit_entries(db_url, "pending_report", f"{known.action}/2025")
    ]
    assert (ADMIN, "sent_back") in steps and steps[-1] == (ADMIN, "validated")
    assert admin.get(review).status_code == 404  # nothing pending any more


def test_a_stale_review_is_refused(admin: TestClient, db_url: str, known: Codes) -> None:
    _submit(db_url, known.action)
    review = f"{CAMPAIGN}/bilans/{known.action}"
    fields = form_values(admin.get(review).text, f"{review}/valider")
    _submit(db_url, known.action, comment="Changé entre-temps.")
    before = snapshot(db_url)
    refused = _post(admin, f"{review}/valider", fields)
    assert refused.status_code == 412
    assert "Ce bilan a été modifié depuis que vous l'avez ouvert" in page_text(refused)
    assert "Changé entre-temps." in page_text(refused)
    assert snapshot(db_url) == before


# --- Closing --------------------------------------------------------------------------------


def test_closing_needs_a_confirmation_then_freezes_the_published_reports(
    admin: TestClient, db_url: str, known: Codes
) -> None:
    page = admin.get(CAMPAIGN)
    assert "1 bilan validé à ce jour" not in page_text(page)
    fields = form_values(page.text, f"{CAMPAIGN}/cloturer")
    assert "confirmer" not in fields
    before = snapshot(db_url)
    refused = _post(admin, f"{CAMPAIGN}/cloturer", fields)
    assert refused.status_code == 422
    assert field_error(refused, "confirmer") == "Cochez la case pour confirmer la clôture."
    assert snapshot(db_url) == before

    _submit(db_url, known.action)
    review = f"{CAMPAIGN}/bilans/{known.action}"
    _post(admin, f"{review}/valider", form_values(admin.get(review).text, f"{review}/valider"))
    assert "1 bilan validé à ce jour" in page_text(admin.get(CAMPAIGN))
    closed = _post(admin, f"{CAMPAIGN}/cloturer", fields | {"confirmer": "oui"})
    assert closed.status_code == 303 and closed.headers["location"] == f"{CAMPAIGN}?fait=close"
    page = admin.get(closed.headers["location"])
    assert notice(page) == "La campagne 2025 est close : 1 bilan publié est figé."
    text = page_text(page)
    assert "Close" in text and "Clôturer la campagne" not in text
    with session_on(db_url) as session:
        frozen = session.exec(select(CampaignSnapshot.trackable_code)).all()
    assert frozen == [known.action]
    assert [e.action for e in audit_entries(db_url, "campaign", "2025")][-1] == "update"
    # A made-up confirmation is not shown on an open campaign's page.
    assert 'role="status"' not in admin.get("/admin/campagnes/2025?fait=inconnu").text


# --- Reminders ------------------------------------------------------------------------------


def test_the_page_lists_who_would_be_reminded_without_mail(admin: TestClient, db_url: str) -> None:
    # A campaign of this year, its deadline a month away (the reminders count from today).
    _close(db_url)
    today = paris_today()
    with session_on(db_url) as session:
        campaigns.create(
            session=session,
            actor=FACTORY_ACTOR,
            data=CampaignOpen(year=today.year, deadline=today + timedelta(days=30)),
        )
        session.commit()
    text = page_text(admin.get(f"/admin/campagnes/{today.year}"))
    reminders = text.split("Relances dues aujourd'hui")[1].split("Clôturer la campagne")[0]
    assert "Aucun serveur de messagerie n'est configuré" in text
    assert "Élise Dupuis" in reminders and EDITOR in reminders
    assert "Denis Martin" in reminders
    assert f"Ouverture de la campagne {today.year}" in reminders
