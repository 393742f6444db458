# ruff: noqa: F811  (the fixtures of tests/web/reporting_data.py, imported, are parameters)
""" "Mes actions" and the report form through HTTP (TestClient), on the seeded plan with ENV and DEV
(tests/web/reporting_data.py) and the 2025 campaign open: who sees what, drafts and submission,
every refusal in French with nothing written, the 403 of another directorate, CSRF, a closed
campaign, and two tabs saving the same report."""

import html
import re

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.campaigns import campaigns, pending
from app.core.text import natural_key
from app.models import AuditEntry, PendingReport, ReportState, Status, Trackable
from app.models.campaigns import PendingReportInput
from app.web.reporting_scope import NO_LEAD, PAGE_SIZE
from tests import factories as make
from tests.admin.conftest import field_error, page_text
from tests.conftest import count_queries
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
    other,
    reporting_template,
)

FORM = "/mes-actions/2025/bilan/{code}"


def _form(client: TestClient, code: str) -> tuple[str, dict[str, str]]:
    """The report form's page and its fields as a browser would send them."""
    path = FORM.format(code=code)
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    return path, form_values(answer.text, path)


def _post(client: TestClient, path: str, data: dict[str, str]) -> httpx.Response:
    return client.post(path, data=data, follow_redirects=False)


def _pending(db_url: str, code: str) -> PendingReport | None:
    with session_on(db_url) as session:
        return session.exec(
            select(PendingReport)
            .join(Trackable, col(Trackable.id) == col(PendingReport.trackable_id))
            .where(col(Trackable.code) == code)
        ).first()


def _notice(response: httpx.Response) -> str:
    found = re.search(r'class="form-done" role="status"><p>([^<]*)</p>', response.text)
    assert found is not None, "no confirmation on this page"
    return html.unescape(found.group(1))


# --- Who sees what ------------------------------------------------------------------------------


def test_the_pages_send_a_visitor_to_sign_in(client: TestClient, known: Codes) -> None:
    for path in ("/mes-actions", FORM.format(code=known.action)):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/connexion?suivant=")


def test_mes_actions_lists_what_the_directorates_lead_and_contribute_to(
    editor: TestClient, known: Codes
) -> None:
    answer = editor.get("/mes-actions")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "private, no-store"
    text = page_text(answer)
    assert "Mes actions" in text and "Bilan 2025" in text
    assert "31 mars 2026" in text and MESSAGE in text
    led, _, contributed = text.partition("Ce à quoi vos directions contribuent")
    assert known.action in led and known.flagship in led and known.dev_action not in led
    assert "Rénover les écoles" in led and "Réseau de chaleur" in led
    assert led.count("À faire") >= 2 and "tout : rien n'est encore saisi" in led
    assert known.dev_action in contributed and "Accueillir les entreprises" in contributed
    assert f'href="{FORM.format(code=known.action)}"' in answer.text
    assert f'href="{FORM.format(code=known.dev_action)}"' not in answer.text  # read-only
    # The seeded plan's actions are led by nobody here.
    assert "E1.1.1" not in text
    # The spreadsheet round trip's pages.
    assert 'href="/mes-actions/2025/tableau.xlsx">Télécharger mon tableau' in answer.text
    assert 'href="/mes-actions/2025/import">Importer mon tableau' in answer.text


def test_an_admin_sees_every_trackable_and_filters_by_directorate(
    admin: TestClient, known: Codes
) -> None:
    everything = page_text(admin.get("/mes-actions")) + page_text(
        admin.get("/mes-actions", params={"offset": PAGE_SIZE})
    )
    assert known.action in everything and known.dev_action in everything
    assert "E1.1.1" in everything  # the seeded plan too
    dev = page_text(admin.get("/mes-actions", params={"direction": "DEV"}))
    assert known.dev_action in dev and known.action not in dev


def test_without_an_open_campaign_the_page_says_so(editor: TestClient, db_url: str) -> None:
    with session_on(db_url) as session:
        campaign = campaigns.get(session=session, year=2025)
        campaigns.close(session=session, actor=FACTORY_ACTOR, campaign=campaign)
        session.commit()
    text = page_text(editor.get("/mes-actions"))
    assert "Aucune campagne de bilan n'est ouverte pour l'instant" in text
    assert "Transmettre" not in text


# --- The form ---------------------------------------------------------------------------------


def test_the_form_starts_from_last_year_with_its_milestones_and_indicator(
    editor: TestClient, known: Codes
) -> None:
    path, fields = _form(editor, known.action)
    assert fields["progress"] == "30" and fields["status"] == "planned"
    assert fields["comment"] == "" and fields["version"] == "0"
    assert fields["jalons"] == "5"  # two milestones, three empty rows
    assert fields["jalon-1-id"] == str(known.milestones[0])
    assert fields["jalon-1-titre"] == "Études lancées" and fields["jalon-1-prevu"] == "2025-03-01"
    assert fields["jalon-3-titre"] == "" and "jalon-3-id" not in fields
    assert fields[f"indicateur:{known.indicator}"] == ""
    page = page_text(editor.get(path))
    assert "Pour mémoire : le bilan 2024 publié" in page
    assert "Bilan 2024 : les études sont lancées." in page
    assert "IND-ECOLES — Écoles rénovées (écoles)" in page
    assert "Dernière valeur publiée : 3\u202fécoles en 2024." in page
    assert 'aria-describedby="progress-aide"' in page


def test_a_draft_is_saved_then_submitted(editor: TestClient, db_url: str, known: Codes) -> None:
    path, fields = _form(editor, known.action)
    fields |= {
        "status": "in_progress",
        "progress": "45,5",
        "comment": "Deux écoles rénovées.\r\nLa troisième en 2026.",
        "budget_planned_investment": "120 000",
        "budget_spent_investment": "80\u202f000,50",
        "jalon-1-atteint": "2025-03-15",
        "jalon-1-fait": "oui",
        "jalon-3-titre": "Réception des travaux",
        "jalon-3-prevu": "2026-06-30",
        f"indicateur:{known.indicator}": "5",
        "intent": "brouillon",
    }
    saved = _post(editor, path, fields)
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{path}?fait=brouillon"
    again = editor.get(saved.headers["location"])
    assert _notice(again).startswith("Brouillon enregistré")
    kept = form_values(again.text, path)
    assert kept["comment"] == "Deux écoles rénovées.\nLa troisième en 2026."
    assert kept["progress"] == "45,5" and kept["budget_spent_investment"] == "80000,5"
    assert kept["version"] == "1" and kept["jalon-1-fait"] == "oui"
    assert kept["jalon-3-titre"] == "Réception des travaux"

    row = _pending(db_url, known.action)
    assert row is not None and row.state == ReportState.draft and row.saved_by == EDITOR
    assert (row.progress, row.status) == (45.5, "in_progress")
    assert row.budget_planned_investment == 120_000 and row.budget_spent_investment == 80_000.5
    assert row.budget_planned_operating is None
    # Only what changed: the first milestone done, a new one; the second one is untouched.
    assert row.milestones == [
        {
            "id": known.milestones[0],
            "title": "Études lancées",
            "planned_on": "2025-03-01",
            "achieved_on": "2025-03-15",
            "done": True,
        },
        {
            "id": None,
            "title": "Réception des travaux",
            "planned_on": "2026-06-30",
            "achieved_on": None,
            "done": False,
        },
    ]
    assert row.indicator_values == {known.indicator: 5.0}
    # A draft is not published.
    reports = editor.get(f"/api/v1/actions/{known.action}/progress").json()
    assert [r["year"] for r in reports] == [2024]

    listed = page_text(editor.get("/mes-actions"))
    assert "Brouillon" in listed and "le budget dépensé" not in listed.split(known.flagship)[0]
    assert "Transmettre tous mes brouillons (1)" in listed

    fields = form_values(again.text, path) | {"intent": "transmettre"}
    submitted = _post(editor, path, fields)
    assert submitted.status_code == 303
    assert submitted.headers["location"] == f"/mes-actions?fait=transmis&bilan={known.action}"
    assert _notice(editor.get(submitted.headers["location"])) == (
        f"Le bilan {known.action} a été transmis à l'équipe de pilotage."
    )
    row = _pending(db_url, known.action)
    assert row is not None and row.state == ReportState.submitted
    assert row.submitted_by == EDITOR and row.version == 2
    with session_on(db_url) as session:
        entries = session.exec(
            select(AuditEntry).where(
                col(AuditEntry.entity) == "pending_report",
                col(AuditEntry.entity_key) == f"{known.action}/2025",
            )
        ).all()
    assert [(e.actor_name, (e.after or {})["state"]) for e in entries] == [
        (EDITOR, "draft"),
        (EDITOR, "submitted"),
    ]


def _save(db_url: str, code: str, *, submit: bool = False, comment: str = "") -> None:
    """A report saved through the service, as the factories' admin (a draft, or submitted)."""
    with session_on(db_url) as session:
        trackable = session.exec(select(Trackable).where(col(Trackable.code) == code)).one()
        pending.save(
            session=session,
            actor=FACTORY_ACTOR,
            trackable=trackable,
            year=2025,
            data=PendingReportInput(progress=20, status=Status.in_progress, comment=comment),
            if_match=None,
            submit=submit,
        )
        session.commit()


def test_drafts_are_submitted_from_the_list_one_or_all(
    editor: TestClient, db_url: str, known: Codes
) -> None:
    _save(db_url, known.action)
    _save(db_url, known.flagship)
    listed = editor.get("/mes-actions")
    text = page_text(listed)
    assert "Transmettre tous mes brouillons (2)" in text
    assert (
        "le commentaire, le budget prévu, le budget dépensé, la valeur 2025 de l'indicateur" in text
    )
    one = f"/mes-actions/2025/bilan/{known.action}/transmettre"
    sent = _post(editor, one, form_values(listed.text, one))
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/mes-actions?fait=transmis&bilan={known.action}"
    assert _pending(db_url, known.action).state == ReportState.submitted  # type: ignore[union-attr]
    # The same button again, from the page as it was: the version has moved on.
    stale = _post(editor, one, form_values(listed.text, one))
    assert stale.status_code == 412
    assert "Rien n'a été transmis" in page_text(stale)

    listed = editor.get("/mes-actions")
    every = "/mes-actions/2025/transmettre"
    sent = _post(editor, every, form_values(listed.text, every))
    assert sent.status_code == 303 and sent.headers["location"] == "/mes-actions?fait=tous"
    assert _notice(editor.get(sent.headers["location"])).startswith("Vos brouillons ont été")
    assert _pending(db_url, known.flagship).state == ReportState.submitted  # type: ignore[union-attr]
    nothing = _post(editor, every, {"csrf_token": csrf_token(listed.text)})
    assert nothing.headers["location"] == "/mes-actions?fait=aucun"


def test_a_confirmation_names_only_a_report_of_the_person(editor: TestClient, known: Codes) -> None:
    for made_up in ("<b>PIRATE</b>", known.dev_action):
        answer = editor.get("/mes-actions", params={"fait": "transmis", "bilan": made_up})
        assert 'role="status"' not in answer.text and "PIRATE" not in answer.text


# --- Refusals ---------------------------------------------------------------------------------

DATES = "La date doit tomber dans la période du plan, du 1er janvier 2024 au 31 décembre 2044."


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"progress": "120"}, "progress", "L'avancement ne peut pas dépasser 100 %."),
        ({"progress": "-1"}, "progress", "L'avancement ne peut pas être négatif : de 0 à 100."),
        (
            {"progress": "beaucoup"},
            "progress",
            "L'avancement s'écrit en chiffres, de 0 à 100 (par exemple 40 ou 42,5).",
        ),
        ({"progress": ""}, "progress", "Indiquez l'avancement : un pourcentage de 0 à 100."),
        ({"status": "fini"}, "status", "Choisissez un statut dans la liste."),
        (
            {"budget_spent_operating": "-5"},
            "budget_spent_operating",
            "Un budget ne peut pas être négatif.",
        ),
        (
            {"budget_planned_investment": "12 €"},
            "budget_planned_investment",
            "Un montant s'écrit en chiffres, en euros (par exemple 12 500 ou 12 500,50).",
        ),
        ({"jalon-3-titre": "Fin", "jalon-3-prevu": "2050-01-01"}, "jalon-3-prevu", DATES),
        ({"jalon-1-atteint": "2023-12-31"}, "jalon-1-atteint", DATES),
        (
            {"jalon-4-titre": "Fin", "jalon-4-prevu": "31/12/2025"},
            "jalon-4-prevu",
            "Une date s'écrit AAAA-MM-JJ, par exemple 2025-06-30.",
        ),
        (
            {"jalon-4-prevu": "2025-12-31"},
            "jalon-4-titre",
            "Donnez un titre au jalon, en 300 caractères au plus.",
        ),
        (
            {"jalon-2-titre": " "},
            "jalon-2-titre",
            "Donnez un titre au jalon, en 300 caractères au plus.",
        ),
        (
            {"indicateur:IND-ECOLES": "cinq"},
            "indicateur-1",
            "La valeur s'écrit en chiffres (par exemple 12,5 ou -3).",
        ),
        (
            {"comment": "x" * 20_001},
            "comment",
            "Le commentaire tient en 20 000 caractères au plus.",
        ),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_written(
    editor: TestClient,
    db_url: str,
    known: Codes,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    path, fields = _form(editor, known.action)
    before = snapshot(db_url)
    for intent in ("brouillon", "transmettre"):
        refused = _post(editor, path, fields | changes | {"intent": intent})
        assert refused.status_code == 422
        assert field_error(refused, field) == message
        text = page_text(refused)
        assert "Rien n'a été enregistré : un champ est à corriger." in text
        assert f'href="#{field}"' in refused.text  # the summary links to the field
        assert 'role="alert"' in refused.text and 'aria-invalid="true"' in refused.text
        # What was typed is kept (a select offers its own choices only).
        kept = form_values(refused.text, path)
        for name, value in changes.items():
            if name != "status":
                assert kept.get(name) == value, name
    assert snapshot(db_url) == before


def test_a_milestone_of_another_action_is_refused(
    editor: TestClient, db_url: str, known: Codes
) -> None:
    with session_on(db_url) as session:
        dev_action = session.exec(
            select(Trackable).where(col(Trackable.code) == known.dev_action)
        ).one()
        foreign = make.milestone(session, trackable=dev_action, title="Autre").id
        session.commit()
    path, fields = _form(editor, known.action)
    before = snapshot(db_url)
    refused = _post(editor, path, fields | {"jalon-1-id": str(foreign), "jalon-1-fait": "oui"})
    assert refused.status_code == 422
    assert field_error(refused, "jalon-1-titre") == (
        f"Le jalon {foreign} n'est pas un jalon de {known.action}."
    )
    assert snapshot(db_url) == before


def test_another_directorate_gets_the_403_page_and_writes_nothing(
    other: TestClient, db_url: str, known: Codes
) -> None:
    _save(db_url, known.action)
    path = FORM.format(code=known.action)
    answer = other.get(path)
    assert answer.status_code == 403
    assert "vos directions ne la pilotent pas" in page_text(answer)
    token = csrf_token(other.get("/mes-actions").text)
    before = snapshot(db_url)
    for target in (path, f"{path}/transmettre"):
        refused = _post(other, target, {"csrf_token": token, "progress": "10", "status": "planned"})
        assert refused.status_code == 403, target
    assert snapshot(db_url) == before
    # Its own page does not list ENV's action among what DEV leads.
    assert f'href="{path}"' not in other.get("/mes-actions").text


def test_unknown_codes_and_years_get_french_pages(editor: TestClient) -> None:
    assert editor.get(FORM.format(code="NOPE")).status_code == 404
    assert "Rien ne porte le code « NOPE »" in page_text(editor.get(FORM.format(code="NOPE")))
    bad_year = editor.get("/mes-actions/2050/bilan/NOPE")
    assert bad_year.status_code == 422 and "Paramètres invalides" in page_text(bad_year)


def test_every_form_of_the_pages_needs_its_csrf_token(
    editor: TestClient, db_url: str, known: Codes
) -> None:
    _save(db_url, known.action)
    path, fields = _form(editor, known.action)
    before = snapshot(db_url)
    for target, data in (
        (path, fields),
        (f"{path}/transmettre", {"version": "1"}),
        ("/mes-actions/2025/transmettre", {}),
    ):
        for token in ({}, {"csrf_token": "faux"}):
            sent = {k: v for k, v in data.items() if k != "csrf_token"} | token
            refused = _post(editor, target, sent)
            assert refused.status_code == 403, target
            assert "Formulaire refusé" in page_text(refused)
    assert snapshot(db_url) == before


def test_after_the_campaign_closes_an_editor_reads_and_writes_nothing(
    editor: TestClient, db_url: str, known: Codes
) -> None:
    path, fields = _form(editor, known.action)
    with session_on(db_url) as session:
        campaign = campaigns.get(session=session, year=2025)
        campaigns.close(session=session, actor=FACTORY_ACTOR, campaign=campaign)
        session.commit()
    before = snapshot(db_url)
    refused = _post(editor, path, fields | {"comment": "Trop tard ?"})
    assert refused.status_code == 409
    text = page_text(refused)
    assert (
        "La campagne 2025 est close : le bilan 2025 ne peut plus être modifié que par l'équipe "
        "de pilotage." in text
    )
    assert form_values(refused.text, path)["comment"] == "Trop tard ?"  # kept
    assert snapshot(db_url) == before
    page = page_text(editor.get(path))
    assert "La campagne de bilan 2025 est close" in page and 'name="intent"' not in page


# --- Two versions ------------------------------------------------------------------------------


def test_a_report_saved_meanwhile_shows_both_versions_and_loses_nothing(
    editor: TestClient, db_url: str, known: Codes
) -> None:
    path, fields = _form(editor, known.action)  # the first tab: version 0
    _save(db_url, known.action, comment="Leur version, enregistrée entre-temps.")
    before = snapshot(db_url)
    mine = fields | {"comment": "Ma version, tapée dans mon onglet.", "progress": "60"}
    refused = _post(editor, path, mine)
    assert refused.status_code == 412
    text = page_text(refused)
    assert "Ce bilan a été enregistré par quelqu'un d'autre pendant que vous le remplissiez" in text
    theirs = text.split("La version enregistrée entre-temps")[1]
    assert "Leur version, enregistrée entre-temps." in theirs and "20\u202f%" in theirs
    kept = form_values(refused.text, path)
    assert kept["comment"] == "Ma version, tapée dans mon onglet." and kept["progress"] == "60"
    assert kept["version"] == "1"  # saving again replaces theirs, knowingly
    assert snapshot(db_url) == before
    saved = _post(editor, path, kept)
    assert saved.status_code == 303
    row = _pending(db_url, known.action)
    assert (
        row is not None and row.comment == "Ma version, tapée dans mon onglet." and row.version == 2
    )


def test_a_report_sent_back_shows_the_admins_comment(
    editor: TestClient, db_url: str, known: Codes
) -> None:
    _save(db_url, known.action, submit=True)
    with session_on(db_url) as session:
        trackable = session.exec(select(Trackable).where(col(Trackable.code) == known.action)).one()
        pending.send_back(
            session=session,
            actor=FACTORY_ACTOR,
            trackable=trackable,
            year=2025,
            comment="Il manque les budgets.",
            if_match=None,
        )
        session.commit()
    listed = page_text(editor.get("/mes-actions"))
    assert "Renvoyé pour correction" in listed and "Il manque les budgets." in listed
    page = page_text(editor.get(FORM.format(code=known.action)))
    assert (
        "Renvoyé pour correction</strong> par factory" in page and "Il manque les budgets." in page
    )
    assert "Transmettre tous mes brouillons (1)" in listed


def test_an_admin_fills_any_report_at_any_time(
    admin: TestClient, db_url: str, known: Codes
) -> None:
    path, fields = _form(admin, known.dev_action)
    saved = _post(admin, path, fields | {"progress": "10", "intent": "transmettre"})
    assert saved.status_code == 303
    row = _pending(db_url, known.dev_action)
    assert row is not None and row.state == ReportState.submitted and row.saved_by == ADMIN
    later = admin.get("/mes-actions/2024/bilan/" + known.dev_action)  # no campaign for 2024
    assert later.status_code == 200 and 'name="intent"' in later.text


def test_the_pages_read_a_fixed_number_of_queries(
    admin: TestClient, db_url: str, known: Codes
) -> None:
    pages = ("/mes-actions", FORM.format(code=known.action))
    before = [count_queries(admin, path) for path in pages]
    for code in (known.action, known.flagship, known.dev_action):
        _save(db_url, code, comment="Avec un commentaire.")
    with session_on(db_url) as session:
        action = session.exec(select(Trackable).where(col(Trackable.code) == known.action)).one()
        for n in range(5):
            make.milestone(session, trackable=action, title=f"Jalon {n}")
        make.indicator(session, measures=[action])
        session.commit()
    assert [count_queries(admin, path) for path in pages] == before


def test_a_report_validated_meanwhile_shows_the_published_one(
    editor: TestClient, db_url: str, known: Codes
) -> None:
    _save(db_url, known.action, comment="Mon brouillon.")
    path, fields = _form(editor, known.action)
    assert fields["version"] == "1"
    with session_on(db_url) as session:
        trackable = session.exec(select(Trackable).where(col(Trackable.code) == known.action)).one()
        pending.submit(
            session=session, actor=FACTORY_ACTOR, trackable=trackable, year=2025, if_match=None
        )
        pending.validate(
            session=session, actor=FACTORY_ACTOR, trackable=trackable, year=2025, if_match=None
        )
        session.commit()
    before = snapshot(db_url)
    refused = _post(editor, path, fields | {"comment": "Ma nouvelle version."})
    assert refused.status_code == 412
    theirs = page_text(refused).split("La version enregistrée entre-temps")[1]
    assert "Mon brouillon." in theirs
    assert "(état : Validé)" in page_text(refused)
    assert form_values(refused.text, path)["version"] == "0"  # a new draft over the published one
    assert snapshot(db_url) == before


def test_mes_actions_pages_a_long_list_with_counts_over_all_of_it(
    admin: TestClient, db_url: str
) -> None:
    """The admin sees every expected trackable, ``PAGE_SIZE`` to a page, in code order; the
    state counts count every page; the links keep the directorate's filter; the second page
    reads as many queries as the first."""
    with session_on(db_url) as session:
        expected = [
            t.code for t in sorted(campaigns.expected(session), key=lambda t: natural_key(t.code))
        ]
    assert len(expected) > PAGE_SIZE  # the seeded plan and the data of reporting_data
    code_cells = re.compile(r'<td class="code">([^<]+)</td>')
    first = admin.get("/mes-actions")
    assert code_cells.findall(first.text) == expected[:PAGE_SIZE]
    pages = -(-len(expected) // PAGE_SIZE)
    assert f"Bilans 2025, par code, page 1 sur {pages}" in page_text(first)
    counts = re.findall(r'badge--state-[a-z_]+">[^<]+</span> <span class="count">(\d+)', first.text)
    assert sum(int(n) for n in counts) == len(expected)
    found = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert found is not None and html.unescape(found.group(1)) == f"/mes-actions?offset={PAGE_SIZE}"
    second = admin.get(f"/mes-actions?offset={PAGE_SIZE}")
    assert code_cells.findall(second.text) == expected[PAGE_SIZE : 2 * PAGE_SIZE]
    assert 'href="/mes-actions" rel="prev"' in second.text
    assert count_queries(admin, f"/mes-actions?offset={PAGE_SIZE}") == count_queries(
        admin, "/mes-actions"
    )
    # Past the end: a page that says it is empty, never an error; a bad offset: 422.
    beyond = admin.get("/mes-actions", params={"offset": 100 * PAGE_SIZE})
    assert beyond.status_code == 200
    assert "Aucune action ni aucun projet phare pour ce filtre." in page_text(beyond)
    assert admin.get("/mes-actions", params={"offset": -1}).status_code == 422
    # The filter is kept by the links (the seeded plan's trackables are led by nobody here).
    unled = admin.get("/mes-actions", params={"direction": NO_LEAD})
    found = re.search(r'href="([^"]+)" rel="next"', unled.text)
    assert found is not None
    assert html.unescape(found.group(1)) == f"/mes-actions?direction={NO_LEAD}&offset={PAGE_SIZE}"
