"""Application settings, read from the environment (prefix ``BOUSSOLE_``) or a ``.env`` file."""

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.core.mail import SmtpServer, check_sender, parse_smtp_url

#: Root of the repository (where ``alembic.ini``, ``migrations/`` and ``seed/`` live).
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "boussole.db"


#: A count, one at least (worker processes, bytes, clients…).
AtLeastOne = Annotated[int, Field(ge=1)]
#: Requests of one process at once.
PerProcess = Annotated[int, Field(ge=1, le=200)]
#: A delay in seconds, more than none.
Seconds = Annotated[float, Field(gt=0)]
#: A list given as one comma-separated variable.
CommaSeparated = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """Each setting is described by the text under it, or by its field's ``description``.

    The texts under the settings are for the reader only: pydantic's ``use_attribute_docstrings``
    would read them from the source at import, through ``inspect.getmodule`` — which resolves the
    file of every module loaded so far, 50 to 150 ms of every command's start-up — for
    descriptions nothing shows."""

    model_config = SettingsConfigDict(
        env_prefix="BOUSSOLE_",
        env_file=".env",
        extra="ignore",
        # A refused value is never repeated in the error: URLs may hold passwords.
        hide_input_in_errors=True,
    )

    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    """Any SQLAlchemy URL; SQLite (default, under ./var/) or
    postgresql+psycopg://user:password@host:port/dbname."""
    seed_file: Path = PROJECT_ROOT / "seed" / "plan.yaml"
    communes_file: Path = PROJECT_ROOT / "seed" / "communes.csv"
    host: str = "127.0.0.1"
    port: int = 8000
    sql_echo: bool = False
    workers: AtLeastOne = 1
    """Worker processes of `boussole serve`."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    demo: bool = False
    """Show the banner 'Données fictives de démonstration' on every web page."""
    max_body_bytes: AtLeastOne = 1024 * 1024
    """Largest request body accepted, but for the CSV import (413 beyond)."""
    auth_failures_allowed: AtLeastOne = 10
    """Failed authentications per client and minute before 429."""
    import_max_bytes: AtLeastOne = 5 * 1024 * 1024
    """Largest CSV file `POST /progress/import` accepts (413 beyond)."""
    cors_origins: CommaSeparated = []
    """Origins allowed to call the API from a browser, comma-separated
    (e.g. https://tableau.example.org,https://data.example.org), or * for any."""

    # --- Reliability under load (docs/security.md) -------------------------------------------
    max_in_flight: PerProcess = 20
    """Requests of one process using the database at once (the connection pool is sized to it);
    others wait their turn."""
    max_writers: PerProcess = 4
    """Writing requests of one process at once on PostgreSQL (SQLite: always 1)."""
    max_queued: Annotated[int, Field(ge=0)] = 200
    """Requests of one process waiting for their turn; beyond, 503 at once."""
    queue_timeout: Annotated[Seconds, Field(le=60)] = 5.0
    """Seconds a request waits for its turn (or a lock) before a 503 with Retry-After."""
    request_header_timeout: Seconds = 10.0
    """Seconds a client has to send a request's headers (`boussole serve`)."""
    request_body_timeout: Seconds = 30.0
    """Seconds without a byte of an announced request body before a 408."""
    graceful_shutdown_timeout: Seconds = 10.0
    """Seconds `boussole serve` lets requests finish after SIGTERM."""
    trusted_proxies: CommaSeparated = []
    """Addresses of the reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are trusted,
    comma-separated (default: none, the connection's address is the client)."""
    public_url: str | None = None
    """The public base URL (e.g. https://boussole.agglo-porteduhainaut.fr) that absolute links
    and redirects are built from; unset: the request's own Host."""
    auth_clients_tracked: AtLeastOne = 10_000
    """Clients whose failed authentications are remembered at once (oldest forgotten first)."""
    import_max_problems: AtLeastOne = 1_000
    """Problems an import lists before it stops looking for more."""
    # --- People signing in (docs/security.md) ---------------------------------------------------
    session_idle_minutes: int = Field(
        default=120,
        ge=1,
        le=7 * 24 * 60,
        description="Minutes without a request after which a signed-in session ends.",
    )
    session_lifetime_hours: int = Field(
        default=12,
        ge=1,
        le=30 * 24,
        description="Hours after sign-in at which a session ends, however active.",
    )
    cookie_secure: bool | None = Field(
        default=None,
        description="Send the session cookies only over HTTPS (default: true when "
        "BOUSSOLE_PUBLIC_URL starts with https, else false).",
    )
    password_min_length: int = Field(
        default=12, ge=8, le=128, description="Fewest characters a password may have."
    )
    invitation_days: int = Field(
        default=7, ge=1, le=90, description="Days an invitation link stays valid."
    )
    dump_key: SecretStr | None = None
    """Key of the HMAC-SHA256 that `boussole dump` signs a dump with and `boussole restore`
    checks (unset: the SHA-256 checksum alone)."""

    # --- OpenID Connect sign-in (docs/security.md) ------------------------------------------
    oidc_issuer: str | None = Field(
        default=None,
        description="Issuer of the OpenID provider, exactly as its discovery document names it "
        "(its /.well-known/openid-configuration is read); unset: no OpenID Connect sign-in.",
    )
    oidc_client_id: str | None = Field(
        default=None, description="The client id Boussole is registered with at the provider."
    )
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="The client secret that goes with the client id."
    )
    oidc_scopes: str = Field(
        default="openid email profile",
        description="Scopes asked of the provider, space-separated (openid is required).",
    )
    oidc_label: str = Field(
        default="Se connecter avec le compte de votre organisation",
        min_length=1,
        max_length=100,
        description="Text of the sign-in page's button that goes to the provider.",
    )
    oidc_require_email_verified: bool = Field(
        default=True,
        description="Refuse a sign-in whose ID token does not say email_verified=true; false "
        "accepts a provider that omits the claim (an explicit false is always refused).",
    )
    oidc_timeout: float = Field(
        default=10.0,
        gt=0,
        le=60,
        description="Seconds Boussole waits for each answer of the OpenID provider.",
    )
    oidc_starts_per_minute: AtLeastOne = Field(
        default=20,
        description="Sign-ins through the provider one client may begin per minute (429 beyond).",
    )
    oidc_pending_max: AtLeastOne = Field(
        default=10_000,
        description="Sign-ins under way kept at once (each for ten minutes at most); beyond, a "
        "new one is refused (503) until some end.",
    )

    # --- Mail: the reporting campaign's reminders (README "Reminders") --------------------------
    smtp_url: SecretStr | None = None
    """The SMTP server reminders go through: smtp+starttls://user:password@host:587 (STARTTLS,
    required), smtps://user:password@host:465 (TLS from the start) or smtp://host:25 (no TLS: a
    relay nearby, with no password unless on the loopback); user and password percent-encoded.
    Unset: no mail is sent (`boussole campaign remind` lists who would be reminded)."""
    mail_from: str | None = None
    """Sender of the mails, e.g. Boussole <boussole@agglo-porteduhainaut.fr> (required with
    BOUSSOLE_SMTP_URL)."""
    smtp_timeout: Annotated[Seconds, Field(le=300)] = 30.0
    """Seconds each exchange with the SMTP server may take before the sending fails."""
    reminder_days: Annotated[int, Field(ge=0, le=90)] = 7
    """Days before a campaign's deadline from which the directorates that have not submitted
    every report are reminded (once; 0: on the day of the deadline only)."""

    # --- The pages a French public body must publish (README "Legal pages") -------------------
    publisher_name: str | None = None
    """Who publishes the site (legal notice); unset: the plan's organisation."""
    publisher_address: str | None = None
    """Postal address of the publisher (legal notice, contact page); unset: shown as to be
    filled in, and flagged on the admin overview."""
    publisher_siren: str | None = "200042190"
    """SIREN number of the publisher (default: the CAPH's)."""
    publication_director: str | None = None
    """Director of publication, by name and office (e.g. "Aymeric Robin, président"); unset:
    shown as to be filled in, and flagged on the admin overview."""
    hosting_provider: str | None = None
    """Name of the host of the site (legal notice); unset: flagged as to be filled in."""
    hosting_address: str | None = None
    """Postal address of the host."""
    hosting_phone: str | None = None
    """Telephone number of the host."""
    contact_email: str | None = None
    """E-mail address the contact page and the accessibility statement give; unset: flagged."""
    contact_phone: str | None = None
    """Telephone number the contact page gives."""
    accessibility_status: Literal[
        "non_conforme", "partiellement_conforme", "totalement_conforme"
    ] = "non_conforme"
    """The site's RGAA conformity, as its last audit found it (non_conforme without an audit)."""
    accessibility_audit_date: date | None = None
    """Day of the last RGAA audit (YYYY-MM-DD); unset: no audit yet."""
    accessibility_audit_rate: Annotated[float, Field(ge=0, le=100)] | None = None
    """Share of the RGAA criteria the audit found respected, in %."""
    accessibility_audited_by: str | None = None
    """Who carried out the audit."""
    accessibility_statement_date: date | None = None
    """Day the accessibility statement was written or last updated (YYYY-MM-DD)."""
    accessibility_file: Path | None = None
    """A Markdown file (UTF-8) describing what is not accessible (non-conformities,
    derogations, contents outside the law's scope), shown on /accessibilite in place of the
    default text; read at each request, so an edit shows at once."""

    @field_validator("accessibility_file", mode="after")
    @classmethod
    def _check_accessibility_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @field_validator("smtp_url", mode="after")
    @classmethod
    def _check_smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parse_smtp_url(value.get_secret_value())
        return value

    @field_validator("mail_from", mode="after")
    @classmethod
    def _check_mail_from(cls, value: str | None) -> str | None:
        return None if value is None else check_sender(value)

    @model_validator(mode="after")
    def _mail_all_or_nothing(self) -> "Settings":
        if (self.smtp_url is None) != (self.mail_from is None):
            raise ValueError(
                "BOUSSOLE_SMTP_URL and BOUSSOLE_MAIL_FROM go together: set both or neither"
            )
        return self

    @property
    def smtp_server(self) -> SmtpServer | None:
        """The SMTP server to send through, None when mail is not set up."""
        if self.smtp_url is None:
            return None
        return parse_smtp_url(self.smtp_url.get_secret_value())

    @property
    def base_url(self) -> str:
        """Where absolute links point (mails, invitation links): the public URL, else
        ``http://HOST:PORT``; no trailing slash."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @field_validator("oidc_issuer", mode="after")
    @classmethod
    def _check_issuer(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        loopback = parts.hostname in ("localhost", "127.0.0.1", "::1")
        if not parts.hostname or not (
            parts.scheme == "https" or (parts.scheme == "http" and loopback)
        ):
            raise ValueError("must be an https URL (http only on the loopback, for tests)")
        if parts.query or parts.fragment:
            raise ValueError("must not have a query or a fragment")
        return value

    @field_validator("oidc_scopes", mode="after")
    @classmethod
    def _check_scopes(cls, value: str) -> str:
        if "openid" not in value.split():
            raise ValueError("must contain openid")
        return " ".join(value.split())

    @model_validator(mode="after")
    def _oidc_all_or_nothing(self) -> "Settings":
        given = [self.oidc_issuer, self.oidc_client_id, self.oidc_client_secret]
        if any(v is not None for v in given) and not all(v is not None for v in given):
            raise ValueError(
                "BOUSSOLE_OIDC_ISSUER, BOUSSOLE_OIDC_CLIENT_ID and BOUSSOLE_OIDC_CLIENT_SECRET "
                "go together: set all three or none"
            )
        return self

    @property
    def oidc_enabled(self) -> bool:
        return self.oidc_issuer is not None

    @property
    def secure_cookies(self) -> bool:
        """Whether cookies carry ``Secure``: the setting, else whether the public URL is HTTPS."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return bool(self.public_url and self.public_url.lower().startswith("https://"))

    @field_validator("cors_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


@lru_cache
def get_settings() -> Settings:
    return Settings()
