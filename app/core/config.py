"""Application settings, read from the environment (prefix ``BOUSSOLE_``) or a ``.env`` file."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

#: Root of the repository (where ``alembic.ini``, ``migrations/`` and ``seed/`` live).
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "boussole.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOUSSOLE_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_SQLITE_PATH}",
        description="Any SQLAlchemy URL; SQLite (default, under ./var/) or "
        "postgresql+psycopg://user:password@host:port/dbname.",
    )
    seed_file: Path = Field(default=PROJECT_ROOT / "seed" / "plan.yaml")
    communes_file: Path = Field(default=PROJECT_ROOT / "seed" / "communes.csv")
    host: str = "127.0.0.1"
    port: int = 8000
    sql_echo: bool = False
    workers: int = Field(default=1, ge=1, description="Worker processes of `boussole serve`.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    demo: bool = Field(
        default=False,
        description="Show the banner 'Données fictives de démonstration' on every web page.",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1,
        description="Largest request body accepted, but for the CSV import (413 beyond).",
    )
    auth_failures_allowed: int = Field(
        default=10, ge=1, description="Failed authentications per client and minute before 429."
    )
    import_max_bytes: int = Field(
        default=5 * 1024 * 1024,
        ge=1,
        description="Largest CSV file `POST /progress/import` accepts (413 beyond).",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default=[],
        description="Origins allowed to call the API from a browser, comma-separated "
        "(e.g. https://tableau.example.org,https://data.example.org), or * for any.",
    )

    # --- Reliability under load (docs/security.md) -------------------------------------------
    max_in_flight: int = Field(
        default=20,
        ge=1,
        le=200,
        description="Requests of one process using the database at once (the connection pool "
        "is sized to it); others wait their turn.",
    )
    max_writers: int = Field(
        default=4,
        ge=1,
        le=200,
        description="Writing requests of one process at once on PostgreSQL (SQLite: always 1).",
    )
    max_queued: int = Field(
        default=200,
        ge=0,
        description="Requests of one process waiting for their turn; beyond, 503 at once.",
    )
    queue_timeout: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="Seconds a request waits for its turn (or a lock) before a 503 with "
        "Retry-After.",
    )
    request_header_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a client has to send a request's headers (`boussole serve`).",
    )
    request_body_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds without a byte of an announced request body before a 408.",
    )
    graceful_shutdown_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds `boussole serve` lets requests finish after SIGTERM.",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default=[],
        description="Addresses of the reverse proxies whose X-Forwarded-For / X-Forwarded-Proto "
        "are trusted, comma-separated (default: none, the connection's address is the client).",
    )
    public_url: str | None = Field(
        default=None,
        description="The public base URL (e.g. https://boussole.agglo-porteduhainaut.fr) that "
        "absolute links and redirects are built from; unset: the request's own Host.",
    )
    auth_clients_tracked: int = Field(
        default=10_000,
        ge=1,
        description="Clients whose failed authentications are remembered at once (oldest "
        "forgotten first).",
    )
    import_max_problems: int = Field(
        default=1_000,
        ge=1,
        description="Problems an import lists before it stops looking for more.",
    )
    dump_key: SecretStr | None = Field(
        default=None,
        description="Key of the HMAC-SHA256 that `boussole dump` signs a dump with and "
        "`boussole restore` checks (unset: the SHA-256 checksum alone).",
    )

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
