"""Published artefact versions as database rows, for processes on several hosts.

A version is one row of ``model_artefacts`` (its manifest, size and checksum) and the
archive of its folder cut into ``model_artefact_chunks`` of a few MiB: PostgreSQL keeps a
``bytea`` of any size, but reading one of hundreds of MiB would hold it twice in a
process's memory (driver buffer and bytes object) and one failed statement would redo all
of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, JsonDoc, UtcDateTime, utcnow

__all__ = ["ArtefactChunk", "PublishedArtefact"]


class PublishedArtefact(Base):
    __tablename__ = "model_artefacts"

    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    manifest: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))


class ArtefactChunk(Base):
    __tablename__ = "model_artefact_chunks"

    version: Mapped[str] = mapped_column(
        ForeignKey("model_artefacts.version", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
