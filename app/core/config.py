"""Application settings, read from the environment (prefix ``BOUSSOLE_``) or a ``.env`` file."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
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

    @field_validator("cors_origins", mode="before")
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
