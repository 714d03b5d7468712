"""Trained versions other than the newest, for the experiment arms that serve one
(``RecommendationArm.model_version``): opened by the same code as the newest version, seen
through the current catalogue snapshot, a few of them held per process.

A version that cannot be opened (never trained, pruned since, damaged) is never an error for
the shopper: ``view`` answers ``None``, the unit takes no part in that arm's experiment on
that request (served the newest version, not exposed: the arm gathers no exposures, and the
experiment's sample-ratio check flags it), and the process logs a warning once per version.
It is not tried again until the newest version changes (a pruned version does not come
back; asking the disk or the database on every request of the arm would).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from sqlalchemy.orm import Session

from prefero.recommend import artefact_store
from prefero.recommend.artefacts import Artefacts, load_version
from prefero.recommend.catalog_index import CatalogIndex
from prefero.recommend.followers_shared import SharedFollowers
from prefero.recommend.models import ModelView, build_model_view

__all__ = ["MAX_HELD", "VersionViews", "open_version"]

_log = logging.getLogger("prefero.recommend.versions")

#: Versions other than the newest one process holds at once: every version is several
#: memory-mapped arrays and a view over the catalogue; an arm rarely compares more than two.
MAX_HELD = 4


def open_version(session: Session, root: Path, version: str, *, published: bool
                 ) -> Artefacts:
    """``version`` memory-mapped from ``root``, downloaded first from the database's store
    when ``published`` and this host has not got it. Raises ``LookupError`` (not published),
    ``artefact_store.CorruptArtefact``, ``OSError`` (no such folder) or ``ValueError`` (a
    format this build does not read).

    >>> # open_version(session, settings.artefact_dir, "20261120T120000000000Z",
    >>> #              published=False).version -> '20261120T120000000000Z'
    """
    if published:
        artefact_store.fetch(session, version, root)
    return load_version(root, version)


def _usable(version: str) -> bool:
    """A version is a folder of ``root``: never a name that leaves it, nor a staging
    folder (their names start with a dot)."""
    return bool(version) and not version.startswith(".") and "/" not in version


class VersionViews:
    """The views of the versions arms serve, by version, each over the snapshot it was
    built for (rebuilt for a new one on its next request)."""

    def __init__(self, *, limit: int = MAX_HELD) -> None:
        self._lock = threading.Lock()
        self._limit = limit
        self._views: dict[str, tuple[CatalogIndex, ModelView]] = {}
        # Versions that could not be opened, and the newest version they were tried under.
        self._missing: dict[str, str | None] = {}
        self._warned: set[str] = set()

    def view(self, session: Session, version: str, *, index: CatalogIndex,
             newest: ModelView, root: Path, published: bool,
             shared: SharedFollowers | None = None) -> ModelView | None:
        """``version`` seen through ``index`` (``newest`` when it is the newest), or
        ``None`` when it cannot be opened.

        >>> # views.view(session, "20261101T…Z", index=index, newest=model, root=root,
        >>> #            published=False).version -> '20261101T…Z'
        """
        if version == newest.version:
            return newest
        held = self._views.get(version)
        if held is not None and held[0] is index:
            return held[1]
        if version in self._missing and self._missing[version] == newest.version:
            return None
        with self._lock:
            held = self._views.get(version)
            if held is not None and held[0] is index:
                return held[1]
            previous = held[1] if held is not None else None
            try:
                if not _usable(version):
                    raise LookupError(f"{version!r} is not a version's name")
                artefacts = (previous.artefacts if previous is not None
                             and previous.artefacts is not None
                             else open_version(session, root, version, published=published))
            except (LookupError, artefact_store.CorruptArtefact, OSError, ValueError) as exc:
                self._missing[version] = newest.version
                if version not in self._warned:
                    self._warned.add(version)
                    _log.warning("model version %s of an experiment arm cannot be opened; "
                                 "its units take no part in the experiment and get the "
                                 "newest (%s): %s", version, newest.version, exc)
                return None
            self._missing.pop(version, None)
            view = build_model_view(index, artefacts, shared=shared, previous=previous)
            if version not in self._views and len(self._views) >= self._limit:
                # The first held goes: arms of running experiments ask again at once.
                del self._views[next(iter(self._views))]
            self._views[version] = (index, view)
            return view
