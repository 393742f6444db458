"""app.core.mail against a real SMTP server on loopback (aiosmtpd): plain, STARTTLS and TLS from
the first byte, logging in, certificates checked, and clear French failures that never show the
password."""

import logging

import pytest
from pydantic import ValidationError

from app.core.config import Settings
from app.core.mail import Mail, Mailer, MailError, SmtpServer, parse_smtp_url
from tests.campaigns.smtp_server import Certificate, self_signed, smtp_server
from tests.servers import free_port

SENDER = "Boussole <boussole@caph.fr>"
PASSWORD = "m0t-de-passe:secret@smtp"
MAIL = Mail(
    to="anne@caph.fr",
    to_name="Anne Dupré",
    subject="Bilan 2025 : la campagne est ouverte",
    text="Bonjour Anne,\nLe bilan vous attend : https://boussole.example.fr/mes-actions\n",
    html='<p>Bonjour Anne,</p><p><a href="https://boussole.example.fr/mes-actions">Mes actions</a>',
)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return self_signed(tmp_path_factory.mktemp("tls"))


def test_a_mail_in_plain_text_and_html(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="boussole.mail")
    with smtp_server() as server:
        with Mailer(parse_smtp_url(server.url), sender=SENDER, timeout=5) as mailer:
            mailer.send(MAIL)
        (received,) = server.inbox.messages
    assert received.sender == "boussole@caph.fr"
    assert received.recipients == ["anne@caph.fr"]
    message = received.message
    assert received.subject == "Bilan 2025 : la campagne est ouverte"
    assert message["To"].addresses[0].display_name == "Anne Dupré"
    assert message["From"].addresses[0].addr_spec == "boussole@caph.fr"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@caph.fr>")
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert "Le bilan vous attend" in received.part("plain")
    assert 'href="https://boussole.example.fr/mes-actions"' in received.part("html")
    logged = [r for r in caplog.records if r.name == "boussole.mail"]
    assert [(r.getMessage(), getattr(r, "to", None)) for r in logged] == [
        ("mail sent", "anne@caph.fr")
    ]


def test_starttls_with_a_trusted_certificate_and_a_login(certificate: Certificate) -> None:
    with smtp_server(starttls=certificate.server, login=("boussole", PASSWORD)) as server:
        url = f"smtp+starttls://boussole:{PASSWORD.replace(':', '%3A').replace('@', '%40')}"
        smtp = parse_smtp_url(f"{url}@127.0.0.1:{server.port}")
        assert (smtp.username, smtp.password) == ("boussole", PASSWORD)
        with Mailer(smtp, sender=SENDER, timeout=5, ssl_context=certificate.client) as mailer:
            mailer.send(MAIL)
        assert len(server.inbox.messages) == 1

        wrong = SmtpServer("smtp+starttls", "127.0.0.1", server.port, "boussole", "autre-secret")
        with pytest.raises(MailError) as refused:
            Mailer(wrong, sender=SENDER, timeout=5, ssl_context=certificate.client).__enter__()
        assert "refuse l'identifiant ou le mot de passe" in refused.value.message
        assert "autre-secret" not in refused.value.message
        assert "boussole@127.0.0.1" in refused.value.message


def test_the_certificate_is_checked(certificate: Certificate) -> None:
    """The system's authorities do not know a self-signed certificate: refused, not trusted."""
    with smtp_server(starttls=certificate.server) as server:
        smtp = parse_smtp_url(f"smtp+starttls://127.0.0.1:{server.port}")
        with pytest.raises(MailError) as refused, Mailer(smtp, sender=SENDER, timeout=5):
            pass
        assert "connexion TLS impossible" in refused.value.message
        assert "certificate" in refused.value.message
        assert server.inbox.messages == []


def test_implicit_tls(certificate: Certificate) -> None:
    with smtp_server(tls=certificate.server) as server:
        smtp = parse_smtp_url(f"smtps://127.0.0.1:{server.port}")
        with Mailer(smtp, sender=SENDER, timeout=5, ssl_context=certificate.client) as mailer:
            mailer.send(MAIL)
        assert len(server.inbox.messages) == 1


def test_starttls_required_never_falls_back_to_clear_text() -> None:
    with smtp_server() as server:  # offers no STARTTLS
        smtp = parse_smtp_url(f"smtp+starttls://boussole:{PASSWORD[:5]}@127.0.0.1:{server.port}")
        with pytest.raises(MailError) as refused, Mailer(smtp, sender=SENDER, timeout=5):
            pass
        assert "ne propose pas STARTTLS" in refused.value.message
        assert server.inbox.messages == []


def test_a_server_out_of_reach() -> None:
    smtp = parse_smtp_url(f"smtp://127.0.0.1:{free_port()}")
    with pytest.raises(MailError) as refused, Mailer(smtp, sender=SENDER, timeout=5):
        pass
    assert refused.value.message == (
        f"serveur SMTP smtp://127.0.0.1:{smtp.port} injoignable : connexion refusée"
    )


def test_a_refused_recipient_lets_the_next_mail_go() -> None:
    with smtp_server() as server:
        server.inbox.refuse.add("anne@caph.fr")
        with Mailer(parse_smtp_url(server.url), sender=SENDER, timeout=5) as mailer:
            with pytest.raises(MailError) as refused:
                mailer.send(MAIL)
            assert not refused.value.connection_lost
            assert "adresse anne@caph.fr refusée" in refused.value.message
            mailer.send(Mail(**{**MAIL.__dict__, "to": "bruno@caph.fr"}))
        assert [m.recipients for m in server.inbox.messages] == [["bruno@caph.fr"]]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://mail.caph.fr", "must start with smtp+starttls://"),
        ("smtp://", "names no host"),
        ("smtp://user:secret-pw@mail.caph.fr", "would send the password in clear"),
        ("smtps://:secret-pw@mail.caph.fr", "has a password but no user"),
        ("smtps://mail.caph.fr:99999", "is not a URL"),
        ("smtps://mail.caph.fr/path?x=1", "with nothing after"),
    ],
)
def test_settings_refuse_a_bad_smtp_url_without_showing_it(url: str, problem: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(smtp_url=url, mail_from=SENDER)
    assert problem in str(refused.value)
    assert "secret-pw" not in str(refused.value)


def test_settings_go_together_and_default_ports() -> None:
    with pytest.raises(ValidationError, match="go together"):
        Settings(smtp_url="smtps://u:p@mail.caph.fr")
    with pytest.raises(ValidationError, match="must be an address"):
        Settings(smtp_url="smtps://mail.caph.fr", mail_from="Boussole")
    settings = Settings(smtp_url="smtps://u:secret-pw@mail.caph.fr", mail_from=SENDER)
    assert settings.smtp_server == SmtpServer("smtps", "mail.caph.fr", 465, "u", "secret-pw")
    assert "secret-pw" not in repr(settings) and "secret-pw" not in repr(settings.smtp_server)
    assert parse_smtp_url("smtp+starttls://mail.caph.fr").port == 587
    assert parse_smtp_url("smtp://localhost").port == 25
    assert parse_smtp_url("smtp://u:p@localhost:2525").shown == "smtp://u@localhost:2525"
    assert Settings().smtp_server is None
