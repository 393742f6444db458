"""The import checks values and scope in one pass, and reads statuses in every vocabulary.

A file with bad values and rows out of the token's scope is answered once, 422, listing both
kinds of problem (the scope rows naming who leads them); a file whose only problems are scope
problems is 403, as every write route answers a token out of its scope.
"""

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from app.models import Status
from app.opendata.national import NATIONAL_PHASE_STATUSES, PHASES
from app.trackables import status_words
from tests.campaigns.sheets import open_campaign_on
from tests.conftest import DEV_ACTION, ENV_ACTION, ENV_FLAGSHIP
from tests.helpers import problem, snapshot
from tests.trackables.test_imports import HEADER, post_csv, row_errors


def test_values_and_scope_are_listed_in_one_answer(client, keys, db_url):
    open_campaign_on(db_url, 2025)  # an editor's rows are filed within the open campaign
    before = snapshot(db_url)
    body = (
        HEADER
        + f"{ENV_ACTION},2025,130,,too much\n"  # line 2: a bad value
        + f"{DEV_ACTION},2025,10,,\n"  # line 3: led by DEV, the token is ENV's
        + f"{ENV_FLAGSHIP},2025,10,,fine\n"
        + f"{DEV_ACTION},2025,15,bof,\n"  # line 5: out of scope, and a bad status
    )
    response = post_csv(client, body, keys.env)
    errors = row_errors(response)
    assert [(e["line"], e["column"], e["type"]) for e in errors] == [
        (2, "progress", "invalid-row"),
        (3, "trackable_code", "out-of-scope"),
        (5, "trackable_code", "out-of-scope"),
        (5, "status", "invalid-row"),
    ]
    assert (
        errors[1]["detail"]
        == errors[2]["detail"]
        == (
            f"{DEV_ACTION} est piloté par DEV, pas par ENV : le jeton « env-editor » ne peut pas "
            "en faire le bilan"
        )
    )
    assert response.json()["detail"] == "4 problèmes dans le fichier : rien n'a été écrit."
    assert snapshot(db_url) == before

    # Fixed values, the scope rows left: 403, naming them (as every write route's scope refusal).
    scope_only = HEADER + f"{ENV_ACTION},2025,30,,\n{DEV_ACTION},2025,10,,\n"
    refused = problem(post_csv(client, scope_only, keys.env), 403, "forbidden")
    assert refused["detail"] == (
        f"Le jeton « env-editor » ne peut pas faire le bilan de {DEV_ACTION} : hors du périmètre "
        "de ENV. Rien n'a été écrit."
    )
    assert [(e["line"], e["type"]) for e in refused["errors"]] == [(3, "out-of-scope")]
    assert snapshot(db_url) == before

    # The admin may report on everything: the same rows are written.
    assert post_csv(client, scope_only, keys.admin).status_code == 200


def test_scope_problems_count_toward_the_problem_limit(db_url, keys):
    open_campaign_on(db_url, 2025)
    settings = Settings(database_url=db_url, import_max_problems=2)
    with TestClient(create_app(settings)) as small:
        body = HEADER + "".join(f"{DEV_ACTION},2025,{progress},,\n" for progress in (1, 2, 3))
        answer = post_csv(small, body, keys.env)
        # More scope problems than the limit: the rest of the file is unchecked, so 422.
        assert (len(row_errors(answer)), answer.json()["truncated"]) == (2, True)


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("Terminé", Status.completed),
        ("TERMINEE", Status.completed),
        ("Réalisé", Status.completed),
        ("realisee", Status.completed),
        ("En cours", Status.in_progress),
        ("en-cours", Status.in_progress),
        ("In progress", Status.in_progress),
        ("in_progress", Status.in_progress),
        ("À venir", Status.planned),
        ("a venir", Status.planned),
        ("Idée", Status.planned),
        ("IDEE", Status.planned),
        ("En pause", Status.paused),
        ("Suspendue", Status.paused),
        ("En retard", Status.delayed),
        ("Bloqué", Status.blocked),
        ("Abandonnée", Status.abandoned),
        ("Annulé", Status.abandoned),
        ("À discuter", Status.to_discuss),
        ("  to discuss ", Status.to_discuss),
    ],
)
def test_status_words(word, status):
    assert status_words.status_word(word) == status


def test_every_label_and_national_phase_status_is_read():
    for status in Status:
        assert status_words.status_word(status.label) == status
        assert status_words.status_word(status.value) == status
    # The national schema's phase statuses, as its export writes them for each of our statuses.
    read = {status_words.status_word(word) for word in NATIONAL_PHASE_STATUSES}
    assert None not in read
    for status, (_phase, phase_status) in PHASES.items():
        if phase_status != "En cours" and status != Status.to_discuss:
            assert status_words.status_word(phase_status) == status, phase_status
    assert status_words.status_word("Fini ou presque") is None


def test_a_national_label_is_imported(client, keys):
    body = HEADER + f"{ENV_ACTION},2025,100,Terminé,\n{ENV_FLAGSHIP},2025,0,IDÉE,\n"
    response = post_csv(client, body, keys.admin)
    assert response.status_code == 200, response.text
    action = client.get(f"/api/v1/actions/{ENV_ACTION}").json()
    assert action["status"] == "completed"
