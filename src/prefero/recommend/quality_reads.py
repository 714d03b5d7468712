"""Reading the quality report (``prefero.recommend.quality``) of an artefact version: the
current one, or any version still kept.

Only the version's manifest is read, never its arrays or models. Where the artefacts live
decides where it is found, as it decides what the engine serves: with
``artefact_store == "database"`` the published rows (every host serves the newest one),
otherwise the version folders of ``artefact_dir`` and its ``CURRENT`` pointer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.errors import NotFound
from prefero.recommend import artefact_store
from prefero.recommend.artefact_rows import PublishedArtefact
from prefero.recommend.artefacts import MANIFEST, current_version, read_manifest
from prefero.recommend.quality import ModelQuality, quality_of

__all__ = ["MissingReason", "QualityMissing", "current_quality", "kept_versions",
           "version_quality"]

#: Why there is no report: nothing trained yet, a version not kept (or never made), or a
#: version trained before reports existed.
MissingReason = Literal["untrained", "unknown_version", "no_report"]


@dataclass
class QualityMissing(NotFound):
    """No report to show; ``reason`` says why, for callers that word it themselves."""

    reason: MissingReason = "untrained"


def kept_versions(session: Session, *, settings: Settings) -> list[str]:
    """The versions whose reports can be read, oldest first.

    >>> # kept_versions(session, settings=settings)  # ['20261120T120000000000Z', ...]
    """
    if settings.artefact_store == "database":
        return sorted(session.scalars(select(PublishedArtefact.version)))
    root = settings.artefact_dir
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and not p.name.startswith(".")
                  and (p / MANIFEST).is_file())


def current_quality(session: Session, *, settings: Settings) -> ModelQuality:
    """The report of the version served now (the newest published one with the database
    store, ``CURRENT`` otherwise).

    >>> # current_quality(session, settings=settings).weights  # {'transitions': 0.7, ...}
    """
    version = (artefact_store.newest(session) if settings.artefact_store == "database"
               else current_version(settings.artefact_dir))
    if version is None:
        raise QualityMissing("no model has been trained yet: run `prefero train`",
                             reason="untrained")
    return version_quality(session, settings=settings, version=version)


def version_quality(session: Session, *, settings: Settings, version: str) -> ModelQuality:
    """The report of ``version``, one of ``kept_versions``.

    >>> # version_quality(session, settings=settings, version="20261120T120000000000Z")
    """
    manifest = _manifest(session, settings=settings, version=version)
    if manifest is None:
        raise QualityMissing(f"artefact version {version!r} is not kept; older versions are "
                             "removed as new ones are trained", reason="unknown_version")
    report = quality_of(manifest)
    if report is None:
        raise QualityMissing(f"artefact version {version!r} was trained before quality "
                             "reports existed: run `prefero train` for one",
                             reason="no_report")
    return report


def _manifest(session: Session, *, settings: Settings, version: str
              ) -> dict[str, Any] | None:
    if settings.artefact_store == "database":
        row = session.get(PublishedArtefact, version)
        return dict(row.manifest) if row is not None else None
    # Only a name listed in the folder is opened: a version comes from a URL, and "../x"
    # must not reach outside the artefacts.
    if version not in kept_versions(session, settings=settings):
        return None
    return read_manifest(Path(settings.artefact_dir) / version)
