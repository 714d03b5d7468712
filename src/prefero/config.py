"""Settings read from the environment (prefix ``PREFERO_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from prefero.types import Level


class Settings(BaseSettings):
    """Everything a deployment can change, with the defaults the demo uses.

    >>> Settings(data_dir=Path("/tmp/x")).effective_database_url
    'sqlite:////tmp/x/prefero.db'
    """

    model_config = SettingsConfigDict(env_prefix="PREFERO_", extra="ignore")

    data_dir: Path = Field(default=Path("var"),
                           description="Embedded database and model artefacts.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; unset means SQLite in data_dir."
    )
    admin_key: str = "demo-admin-key"
    ingest_keys: list[str] = Field(default_factory=list)
    read_keys: list[str] = Field(default_factory=list)
    default_level: Level = "balanced"
    # Consent state for a purpose the customer never answered. Tracking and marketing are
    # opt-in; using what the customer *declared* to personalize is on unless withdrawn.
    default_consent_tracking: bool = False
    default_consent_personalization: bool = True
    default_consent_context: bool = False
    default_consent_marketing_email: bool = False
    default_consent_marketing_push: bool = False
    policy_version: str = "2026-01"
    session_secret: str = Field(
        default="prefero-demo-session-secret",
        description="Signs the storefront's session cookie; set your own in production.",
    )
    erasure_key: str = Field(
        default="prefero-demo-erasure-key",
        description="Secret for the keyed hash in erasure receipts; set your own in production.",
    )
    facet_schema: Path | None = Field(
        default=None, description="YAML facet schema; unset means the packaged default."
    )
    artefact_check_seconds: float = 2.0
    models: list[str] = Field(
        default_factory=lambda: ["transitions", "als"],
        description="Models `prefero train` fits from consented behaviour and the pipeline "
                    "uses as candidate sources and scorers (names from `prefero.models`).",
    )
    # Ranking knobs a shop tunes without code (the rest of the pipeline's configuration has
    # sensible defaults in prefero.recommend.config).
    mmr_lambda: float = Field(default=0.75, ge=0.0, le=1.0,
                              description="1 = relevance only, 0 = diversity only")
    category_cap: int = Field(default=3, ge=1, description="Most items per leaf category")
    exploration_slot: bool = Field(default=True,
                                   description="Offer 'Something different' unless the "
                                               "customer turned it off")
    suggestion_snooze_days: int = Field(
        default=90, ge=0,
        description="Days a suggested preference stays hidden after the customer rejected "
                    "it (or accepted it and later removed the preference)",
    )

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir.resolve() / 'prefero.db'}"

    @property
    def artefact_dir(self) -> Path:
        return self.data_dir / "artefacts"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
