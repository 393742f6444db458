"""Accounts, invitations and passwords through their services (app.accounts, app.auth), on the
migrated database: what each refuses (in French, writing nothing), what the audit trail records,
and that signing in never moves the revision readers follow."""

import gzip
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.accounts import accounts
from app.auth import credentials, passwords, sessions
from app.auth.tokens import Actor
from app.core.errors import BadRequestError, ConflictError, InvalidInputError
from app.models import (
    Account,
    AuditEntry,
    Directorate,
    Invitation,
    Revision,
    Role,
    WebSession,
)
from app.models.base import utcnow
from tests import factories as make
from tests.factories import FACTORY_ACTOR
from tests.helpers import snapshot

GOOD = "une phrase assez longue"


def _editor(session: Session) -> tuple[Account, str]:
    """An invited editor of a new directorate, and its invitation's token."""
    return make.invited_account(
        session, email="Claire.Martin@CAPH.fr", display_name="  Claire   Martin "
    )


# --- Invitations ------------------------------------------------------------------------------


def test_an_invitation_sets_the_password_once(session: Session, db_url: str) -> None:
    account, token = _editor(session)
    session.commit()
    assert (account.email, account.display_name) == ("claire.martin@caph.fr", "Claire Martin")
    assert account.password_hash is None
    stored = session.exec(select(Invitation)).one()
    assert stored.token_hash != token and len(stored.token_hash) == 64
    assert stored.expires_at - stored.created_at == timedelta(days=7)
    assert accounts.invited_account(session=session, token=token).id == account.id

    accounts.accept_invitation(session=session, token=token, password=GOOD)
    session.commit()
    assert account.password_hash is not None and account.password_hash.startswith("$argon2id$")
    assert passwords.verify_password(GOOD, account.password_hash)
    assert account.password_changed_at is not None

    before = snapshot(db_url)
    with pytest.raises(BadRequestError) as reused:
        accounts.accept_invitation(session=session, token=token, password="une autre phrase longue")
    assert reused.value.message == accounts.INVALID_INVITATION
    session.rollback()
    assert snapshot(db_url) == before


def test_expired_superseded_and_unknown_links_get_one_answer(session: Session, db_url: str) -> None:
    account, first = _editor(session)
    second = accounts.invite_again(session=session, actor=FACTORY_ACTOR, account=account)
    session.commit()
    session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
    third = accounts.invite_again(session=session, actor=FACTORY_ACTOR, account=account)
    session.execute(
        update(Invitation)
        .where(col(Invitation.used_at).is_(None))
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    session.commit()
    before = snapshot(db_url)
    for token in (first, second, third, "inconnu", "", "x" * 500):
        with pytest.raises(BadRequestError) as refused:
            accounts.accept_invitation(session=session, token=token, password=GOOD)
        assert refused.value.status_code == 400
        assert refused.value.message == accounts.INVALID_INVITATION
        session.rollback()
    assert snapshot(db_url) == before
    # A new link works, and only the newest.
    fourth = accounts.invite_again(session=session, actor=FACTORY_ACTOR, account=account)
    session.commit()
    assert accounts.invited_account(session=session, token=fourth).id == account.id


def test_a_password_breaking_a_rule_writes_nothing(session: Session, db_url: str) -> None:
    _, token = _editor(session)
    session.commit()
    before = snapshot(db_url)
    with pytest.raises(InvalidInputError) as refused:
        accounts.accept_invitation(session=session, token=token, password="court")
    assert refused.value.loc == ("password",)
    assert "au moins 12 caractères" in refused.value.message
    session.rollback()
    assert snapshot(db_url) == before


# --- Password rules ---------------------------------------------------------------------------


def _common_long_password() -> str:
    with gzip.open(passwords.COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return next(line.strip() for line in lines if len(line.strip()) >= 12)


def test_password_rules() -> None:
    def problems(password: str, email: str = "marie.dupont@caph.fr", **kw: int) -> list[str]:
        return passwords.password_problems(password, email=email, **kw)

    assert problems("une phrase assez longue") == []
    assert problems("onze carac.") == ["Le mot de passe doit compter au moins 12 caractères."]
    assert problems("onze carac.", min_length=8) == []
    assert problems("x" * 257) == ["Le mot de passe ne peut pas dépasser 256 caractères."]
    for echo in ("marie.dupont@caph", "Dupont-et-compagnie", "xxMARIExxxxxxx"):
        assert problems(echo) == [
            "Le mot de passe ne doit pas reprendre votre adresse électronique."
        ], echo
    assert problems("bien plus que jo", email="jo@caph.fr") == []  # too short to be looked for
    common = _common_long_password()
    assert problems(common.upper())[0].startswith("Ce mot de passe fait partie des plus courants")
    assert problems("1234") == [
        "Le mot de passe doit compter au moins 12 caractères.",
        "Ce mot de passe fait partie des plus courants, que l'on devine en premier : "
        "choisissez-en un autre.",
    ]
    with pytest.raises(InvalidInputError) as refused:
        passwords.check_new_password(common, email="a@b.fr")
    assert refused.value.loc == ("password",) and refused.value.status_code == 422
    # Anything a form can send is hashed, never a failure: an unpaired surrogate, a NUL.
    odd = "phrase \ud800 avec \x00 nul"
    assert passwords.verify_password(odd, passwords.hash_password(odd))
    assert not passwords.verify_password("autre", "pas un hash")
    # The dummy hash that unknown e-mails are verified against costs what a real one costs.
    parameters = passwords.hash_password("x").split("$")[:4]
    assert passwords.DUMMY_HASH.split("$")[:4] == parameters


# --- Checking a password ----------------------------------------------------------------------


def test_authenticate_answers_none_alike(session: Session) -> None:
    person = make.account(session, email="paul@caph.fr")
    invited = make.account(session, email="invite@caph.fr", password=None)
    gone = make.account(session, email="parti@caph.fr")
    accounts.deactivate(session=session, actor=FACTORY_ACTOR, account=gone)
    session.commit()
    assert credentials.authenticate(session=session, email=" PAUL@caph.fr ", password=make.PASSWORD)
    for email, password in (
        ("paul@caph.fr", "mauvais mot de passe"),
        ("inconnu@caph.fr", make.PASSWORD),
        ("invite@caph.fr", ""),
        ("parti@caph.fr", make.PASSWORD),
        ("paul@caph.fr", make.PASSWORD + "x" * 300),
        ("x" * 400, make.PASSWORD),
    ):
        assert credentials.authenticate(session=session, email=email, password=password) is None
    assert person.id and invited.id


def test_the_brake_slows_an_account_and_stops_a_client() -> None:
    brake = credentials.SignInBrake(attempts=3, free_failures=2, base_delay=0.25, max_delay=1.0)
    assert brake.delay("a@b.fr") == 0 and brake.refused("10.0.0.1") is None
    delays = []
    for _ in range(6):
        brake.failed(client="10.0.0.1", email="A@b.fr ")
        delays.append(brake.delay("a@b.fr"))
    assert delays == [0, 0.25, 0.5, 1.0, 1.0, 1.0]  # doubling, capped
    assert brake.refused("10.0.0.1") is not None  # this client only
    assert brake.refused("10.0.0.2") is None
    assert brake.delay("someone.else@b.fr") == 0
    brake.succeeded(email="a@b.fr")
    assert brake.delay("a@b.fr") == 0


# --- Creating and changing accounts -----------------------------------------------------------


def test_creation_refuses_in_french_and_writes_nothing(session: Session, db_url: str) -> None:
    make.account(session, email="pris@caph.fr")
    archived = make.directorate(session, code="ANCIENNE")
    archived.archived_at = utcnow()
    session.commit()
    before = snapshot(db_url)

    def refused(error: type[Exception], **given: object) -> Exception:
        data: dict[str, object] = {
            "email": "nouveau@caph.fr",
            "display_name": "Nouveau",
            "role": Role.editor,
            "directorate_codes": ["ANCIENNE"],
        } | given
        with pytest.raises(error) as caught:
            accounts.create(session=session, actor=FACTORY_ACTOR, **data)  # type: ignore[arg-type]
        session.rollback()
        return caught.value

    none = refused(InvalidInputError, directorate_codes=[])
    assert isinstance(none, InvalidInputError) and none.loc == ("directorates",)
    assert "au moins une direction" in none.message
    unknown = refused(InvalidInputError, directorate_codes=["NOPE", "RIEN"])
    assert isinstance(unknown, InvalidInputError)
    assert unknown.message == "Direction inconnue : NOPE, RIEN."
    assert "Direction archivée : ANCIENNE" in str(refused(InvalidInputError))
    taken = refused(ConflictError, email=" PRIS@caph.FR", role=Role.admin)
    assert isinstance(taken, ConflictError) and taken.status_code == 409
    assert taken.message == "Un compte existe déjà pour l'adresse pris@caph.fr."
    for email in ("sans-arobase", "a@b", "deux@@caph.fr", "a b@caph.fr", "x" * 250 + "@caph.fr"):
        bad = refused(InvalidInputError, email=email, role=Role.admin)
        assert isinstance(bad, InvalidInputError) and bad.loc == ("email",), email
    for name in ("", "   ", "x" * 201, "nom\x00nul"):
        bad = refused(InvalidInputError, display_name=name, role=Role.admin)
        assert isinstance(bad, InvalidInputError) and bad.loc == ("display_name",), name
    assert snapshot(db_url) == before


def test_changes_are_audited_as_who_made_them_and_stay_out_of_the_feed(
    session: Session, db_url: str, client: TestClient
) -> None:
    # The longest e-mail there is: the audit trail names the person by it (actor_name, 254).
    email = "c" * 63 + "@" + ("d" * 60 + ".") * 3 + "caph.fr"
    assert len(email) == 254
    since = max((i or 0 for i in session.exec(select(col(AuditEntry.id))).all()), default=0)
    dev, env = make.directorate(session, code="DEV"), make.directorate(session, code="ENV")
    admin = Actor(name="admin@caph.fr", role=Role.admin)
    account, token = accounts.create(
        session=session,
        actor=admin,
        email=email,
        display_name="Claire",
        role=Role.editor,
        directorate_codes=["DEV"],
    )
    accounts.accept_invitation(session=session, token=token, password=GOOD)
    accounts.update(session=session, actor=admin, account=account, directorate_codes=["ENV", "DEV"])
    accounts.update(session=session, actor=admin, account=account, display_name="Claire")  # same
    accounts.deactivate(session=session, actor=admin, account=account)
    accounts.reactivate(session=session, actor=admin, account=account)
    session.commit()
    entries = session.exec(
        select(AuditEntry).where(AuditEntry.entity == "account").order_by(col(AuditEntry.id))
    ).all()
    assert [(e.actor_name, e.action.value) for e in entries] == [
        ("admin@caph.fr", "create"),
        (email, "update"),  # the password, set by the person
        ("admin@caph.fr", "update"),  # the directorates
        ("admin@caph.fr", "update"),  # deactivated
        ("admin@caph.fr", "update"),  # reactivated
    ]
    assert entries[1].actor_directorates == ["DEV"]
    assert {e.entity_key for e in entries} == {str(account.id)}
    assert entries[2].before and entries[2].after
    assert (entries[2].before["directorates"], entries[2].after["directorates"]) == (
        ["DEV"],
        ["DEV", "ENV"],
    )
    assert [e.after["active"] for e in entries[3:] if e.after] == [False, True]
    for entry in entries:  # never a password nor its hash
        assert "argon2" not in repr((entry.before, entry.after))
    assert dev.id and env.id
    # The public change feed keeps the accounts' entries out; the directorates' are in it.
    feed = client.get("/api/v1/changes", params={"since": since}).json()["items"]
    assert [(item["entity"], item["code"]) for item in feed] == [
        ("directorate", "DEV"),
        ("directorate", "ENV"),
    ]


def test_no_one_removes_the_last_admin_nor_themselves(session: Session) -> None:
    only = make.account(session, role=Role.admin, email="seule@caph.fr")
    session.commit()
    me = accounts.actor_of(session=session, account=only)
    assert (me.name, me.role, me.directorate_codes) == ("seule@caph.fr", Role.admin, ())
    with pytest.raises(ConflictError, match="dernier compte administrateur actif"):
        accounts.deactivate(session=session, actor=FACTORY_ACTOR, account=only)
    with pytest.raises(ConflictError, match="dernier compte administrateur actif"):
        accounts.update(session=session, actor=FACTORY_ACTOR, account=only, role=Role.editor)
    session.rollback()
    other = make.account(session, role=Role.admin, email="autre@caph.fr")
    with pytest.raises(ConflictError, match="votre propre compte"):
        accounts.deactivate(session=session, actor=me, account=only)
    accounts.deactivate(session=session, actor=me, account=other)
    editor = make.directorate(session)
    accounts.update(
        session=session,
        actor=FACTORY_ACTOR,
        account=other,
        role=Role.editor,
        directorate_codes=[editor.code],
    )
    session.commit()
    assert not other.active and other.role == Role.editor
    assert accounts.directorate_codes(session=session, account=other) == (editor.code,)
    # An admin acts for every directorate: none is kept for one.
    accounts.update(session=session, actor=FACTORY_ACTOR, account=other, role=Role.admin)
    assert accounts.directorate_codes(session=session, account=other) == ()
    listed = {view.email: view for view in accounts.get_all(session=session)}
    assert listed["autre@caph.fr"].active is False
    assert listed["seule@caph.fr"].password_set is True
    assert listed["seule@caph.fr"].invitation_expires_at is None


def test_invite_again_refuses_a_deactivated_account(session: Session) -> None:
    make.account(session, role=Role.admin, email="admin@caph.fr")
    person = make.account(session, email="partie@caph.fr")
    accounts.deactivate(session=session, actor=FACTORY_ACTOR, account=person)
    with pytest.raises(ConflictError, match="réactivez-le"):
        accounts.invite_again(session=session, actor=FACTORY_ACTOR, account=person)


# --- Sessions and the revision ----------------------------------------------------------------


def _revision(session: Session) -> tuple[int, int]:
    row = session.exec(select(Revision)).one()
    session.rollback()
    return row.value, row.structure_value


def test_signing_in_never_moves_the_revision(session: Session) -> None:
    person = make.account(session)
    session.commit()
    before = _revision(session)
    raw = sessions.start(session=session, account=person)
    session.commit()
    found = sessions.resolve(
        session=session, raw=raw, now=utcnow() + timedelta(minutes=5)
    )  # touched
    session.commit()
    assert found is not None and found.actor.name == person.email
    sessions.end(session=session, raw=raw)
    session.commit()
    assert _revision(session) == before
    # A change to an account takes it (for its audit entry), never the structure stamp.
    accounts.update(session=session, actor=FACTORY_ACTOR, account=person, display_name="Autre")
    session.commit()
    value, structure = _revision(session)
    assert (value, structure) == (before[0] + 1, before[1])


def test_sessions_end_with_the_account(session: Session) -> None:
    person = make.account(session)
    make.account(session, role=Role.admin)
    session.commit()
    raws = [sessions.start(session=session, account=person) for _ in range(3)]
    session.commit()
    assert all(sessions.look_up(session=session, raw=raw) for raw in raws)
    accounts.deactivate(session=session, actor=FACTORY_ACTOR, account=person)
    session.commit()
    assert not any(sessions.look_up(session=session, raw=raw) for raw in raws)
    assert session.exec(select(WebSession).where(WebSession.account_id == person.id)).all() == []
    directorates = session.exec(select(Directorate)).all()
    assert directorates  # the account's directorate is still there
