"""Sending mail through an SMTP server, from the settings (``BOUSSOLE_SMTP_URL``,
``BOUSSOLE_MAIL_FROM``, ``BOUSSOLE_SMTP_TIMEOUT``), with the standard library alone.

The URL's scheme says how the connection is secured:

=================== ========================================================== ============
scheme              connection                                                  default port
=================== ========================================================== ============
``smtp+starttls``   plain, then STARTTLS — required: a server that does not      587
                    offer it is refused rather than talked to in clear
``smtps``           TLS from the first byte (implicit TLS)                      465
``smtp``            no TLS: a relay on the same machine or network; a user and  25
                    password are refused unless the host is the loopback
=================== ========================================================== ============

``user:password@`` in the URL (percent-encoded) is used to log in (AUTH), always after TLS but
for ``smtp://`` on the loopback. Certificates are checked against the system's authorities
(``ssl.create_default_context``): a self-signed certificate is refused. Every exchange with the
server is bounded by the timeout. The password is never logged nor shown: what a message names
is ``SmtpServer.shown`` (``smtps://user@host:465``), and the setting itself is a ``SecretStr``.

A mail (``Mail``) is sent as ``multipart/alternative``: plain text (UTF-8) first, HTML second,
with ``Auto-Submitted: auto-generated`` (RFC 3834) so that no auto-reply answers it.
"""

import logging
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from types import TracebackType
from typing import Self
from urllib.parse import unquote, urlsplit

logger = logging.getLogger("boussole.mail")

#: Scheme: (default port, how the connection is secured).
SCHEMES: dict[str, tuple[int, str]] = {
    "smtp+starttls": (587, "starttls"),
    "smtps": (465, "tls"),
    "smtp": (25, "none"),
}
_LOOPBACK = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send: read from ``BOUSSOLE_SMTP_URL`` by ``parse_smtp_url``."""

    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def security(self) -> str:
        return SCHEMES[self.scheme][1]

    @property
    def shown(self) -> str:
        """The server as messages name it: never the password."""
        user = f"{self.username}@" if self.username else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{user}{host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpServer:
    """``url`` read as an SMTP server; ``ValueError`` (English, as every setting's) naming what
    is wrong, never quoting the URL (it may hold a password)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ValueError("is not a URL (scheme://[user:password@]host[:port])") from exc
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ValueError(
            "must start with smtp+starttls:// (STARTTLS), smtps:// (TLS) or smtp:// (no TLS)"
        )
    if not parts.hostname:
        raise ValueError("names no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("must be scheme://[user:password@]host[:port], with nothing after")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is not None and not username:
        raise ValueError("has a password but no user")
    if username and scheme == "smtp" and parts.hostname not in _LOOPBACK:
        raise ValueError(
            "would send the password in clear: use smtp+starttls:// or smtps:// to log in"
        )
    return SmtpServer(
        scheme=scheme,
        host=parts.hostname,
        port=port or SCHEMES[scheme][0],
        username=username,
        password=password,
    )


def check_sender(value: str) -> str:
    """``value`` as a ``From`` header (``Name <address>`` or ``address``); ``ValueError``
    otherwise."""
    if "\r" in value or "\n" in value:
        raise ValueError("must be one line")
    found = getaddresses([value])
    if len(found) != 1 or "@" not in found[0][1] or " " in found[0][1]:
        raise ValueError("must be an address, e.g. Boussole <boussole@example.org>")
    return value.strip()


@dataclass(frozen=True)
class Mail:
    """A mail to one person: its subject, and its text in plain text and in HTML."""

    to: str
    to_name: str
    subject: str
    text: str
    html: str


class MailError(Exception):
    """A mail not sent, and why in French (``message``). ``connection_lost``: the connection
    itself failed (nothing more can be sent over it), rather than this one mail refused."""

    def __init__(self, message: str, *, connection_lost: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.connection_lost = connection_lost


def build_message(mail: Mail, *, sender: str) -> EmailMessage:
    """``mail`` as a MIME message: plain text, then HTML as its alternative."""
    message = EmailMessage()
    message["Subject"] = " ".join(mail.subject.split())
    message["From"] = sender
    local, _, domain = mail.to.rpartition("@")
    message["To"] = Address(
        display_name=" ".join(mail.to_name.split()), username=local, domain=domain
    )
    message["Date"] = formatdate(localtime=True)
    sender_domain = getaddresses([sender])[0][1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=sender_domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.text, charset="utf-8")
    message.add_alternative(mail.html, subtype="html", charset="utf-8")
    return message


def _why(exc: BaseException, timeout: float) -> str:
    """What went wrong with the connection, in French."""
    if isinstance(exc, ConnectionRefusedError):
        return "connexion refusée"
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"pas de réponse en {timeout:g} s"
    if isinstance(exc, socket.gaierror):
        return "nom d'hôte inconnu"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "le serveur a coupé la connexion"
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = (
            exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else ""
        )
        return f"réponse {exc.smtp_code} du serveur : {' '.join(reply.split())}".rstrip(" :")
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


class Mailer:
    """One connection to the SMTP server for a batch of mails, opened on entering the ``with``
    block (``MailError`` if it cannot be) and closed on leaving it::

        with Mailer(server, sender=..., timeout=30) as mailer:
            mailer.send(mail)

    ``ssl_context``: the authorities certificates are checked against (default: the system's).
    """

    def __init__(
        self,
        server: SmtpServer,
        *,
        sender: str,
        timeout: float,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.server = server
        self.sender = sender
        self.timeout = timeout
        self._context = ssl_context or ssl.create_default_context()
        self._smtp: smtplib.SMTP | None = None
        self._envelope_sender = getaddresses([sender])[0][1]

    def __enter__(self) -> Self:
        self._smtp = self._connect()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        smtp: smtplib.SMTP | None = None
        try:
            if server.security == "tls":
                smtp = smtplib.SMTP_SSL(
                    server.host, server.port, timeout=self.timeout, context=self._context
                )
            else:
                smtp = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
            smtp.ehlo()
            if server.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise MailError(
                        f"le serveur SMTP {server.shown} ne propose pas STARTTLS : rien n'est "
                        "envoyé en clair (smtps:// pour TLS d'emblée)"
                    )
                smtp.starttls(context=self._context)
                smtp.ehlo()
            if server.username:
                smtp.login(server.username, server.password or "")
        except MailError:
            self._close(smtp)
            raise
        except smtplib.SMTPAuthenticationError as exc:
            self._close(smtp)
            raise MailError(
                f"le serveur SMTP {server.shown} refuse l'identifiant ou le mot de passe "
                f"({_why(exc, self.timeout)})"
            ) from exc
        except ssl.SSLError as exc:
            self._close(smtp)
            reason = getattr(exc, "verify_message", None) or exc.reason or type(exc).__name__
            raise MailError(
                f"connexion TLS impossible avec le serveur SMTP {server.shown} : {reason}"
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            self._close(smtp)
            raise MailError(
                f"le serveur SMTP {server.shown} ne permet pas de s'identifier (AUTH)"
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self._close(smtp)
            raise MailError(
                f"serveur SMTP {server.shown} injoignable : {_why(exc, self.timeout)}"
            ) from exc
        return smtp

    @staticmethod
    def _close(smtp: smtplib.SMTP | None) -> None:
        if smtp is not None:
            smtp.close()

    def send(self, mail: Mail) -> None:
        """Send ``mail``; ``MailError`` if the server refuses it (``connection_lost`` false:
        the next mail may go) or the connection fails."""
        if self._smtp is None:
            raise RuntimeError("Mailer.send outside its with block")
        message = build_message(mail, sender=self.sender)
        try:
            self._smtp.send_message(message, from_addr=self._envelope_sender, to_addrs=[mail.to])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (0, b""))
            text = " ".join(reply.decode("utf-8", "replace").split())
            raise MailError(
                f"adresse {mail.to} refusée par le serveur SMTP ({code} {text})",
                connection_lost=False,
            ) from exc
        except smtplib.SMTPServerDisconnected as exc:
            raise MailError(
                f"connexion au serveur SMTP {self.server.shown} perdue : {_why(exc, self.timeout)}"
            ) from exc
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raise MailError(
                f"mail à {mail.to} refusé par le serveur SMTP ({_why(exc, self.timeout)})",
                connection_lost=False,
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(
                f"envoi interrompu, serveur SMTP {self.server.shown} : {_why(exc, self.timeout)}"
            ) from exc
        logger.info("mail sent", extra={"to": mail.to, "server": self.server.shown})
