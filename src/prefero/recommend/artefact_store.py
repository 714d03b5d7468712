"""Trained artefacts published into the database, for API processes on several hosts.

With ``PREFERO_ARTEFACT_STORE=database`` training still writes its version folder locally
(``prefero.recommend.artefacts``) and then publishes it here: the folder as one archive,
cut into chunks, with its size and SHA-256, all in one transaction, so a reader sees a
version whole or not at all. Every process asks for the newest version when it checks its
artefacts (every ``artefact_check_seconds``), downloads one it has not got into its own
``data_dir/artefacts`` (shared by the processes of a host; the first to finish renames it
into place) and memory-maps it from there: serving never reads artefacts from the
database, and the files stay shared between the processes of a host.

The archive is an uncompressed tar: float arrays barely compress, and every host unpacks
each version once.
"""

from __future__ import annotations

import hashlib
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import IO

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from prefero.recommend.artefact_rows import ArtefactChunk, PublishedArtefact
from prefero.recommend.artefacts import KEEP_VERSIONS, MANIFEST, prune, read_manifest

__all__ = ["CHUNK_BYTES", "CorruptArtefact", "fetch", "newest", "publish"]

#: Small enough that a reader holds one chunk at a time, large enough that a version of
#: hundreds of MiB is a few hundred rows.
CHUNK_BYTES = 4 * 1024 * 1024


class CorruptArtefact(RuntimeError):
    """A downloaded version does not match the size or checksum it was published with."""


def _digest(stream: IO[bytes]) -> tuple[int, str]:
    stream.seek(0)
    digest = hashlib.sha256()
    size = 0
    while block := stream.read(CHUNK_BYTES):
        digest.update(block)
        size += len(block)
    stream.seek(0)
    return size, digest.hexdigest()


def publish(session: Session, folder: Path, *, keep: int = KEEP_VERSIONS) -> str:
    """Publish the version in ``folder`` (named after it) and drop all but the newest
    ``keep`` versions; the caller's transaction makes it visible at once, whole.

    >>> # with runtime.session(write=True) as session: publish(session, root / version)
    """
    version = folder.name
    manifest = read_manifest(folder)
    with tempfile.TemporaryFile() as archive:
        with tarfile.open(fileobj=archive, mode="w") as tar:
            tar.add(folder, arcname=version)
        size, sha256 = _digest(archive)
        session.add(PublishedArtefact(version=version, manifest=manifest, size_bytes=size,
                                      sha256=sha256))
        session.flush()
        seq = 0
        while block := archive.read(CHUNK_BYTES):
            # A Core insert per chunk: no ORM object keeps the bytes, so one chunk is in
            # memory at a time, and nothing else in the caller's session is touched.
            session.execute(insert(ArtefactChunk), {"version": version, "seq": seq,
                                                    "data": block})
            seq += 1
    stale = session.scalars(select(PublishedArtefact.version)
                            .order_by(PublishedArtefact.published_at.desc(),
                                      PublishedArtefact.version.desc())
                            .offset(keep)).all()
    if stale:
        # Chunks first: SQLite enforces the cascade only with foreign keys switched on.
        session.execute(delete(ArtefactChunk).where(ArtefactChunk.version.in_(stale)))
        session.execute(delete(PublishedArtefact).where(PublishedArtefact.version.in_(stale)))
    return version


def newest(session: Session) -> str | None:
    """The version every process should serve now (one indexed row)."""
    return session.scalar(select(PublishedArtefact.version)
                          .order_by(PublishedArtefact.published_at.desc(),
                                    PublishedArtefact.version.desc())
                          .limit(1))


def fetch(session: Session, version: str, root: Path) -> Path:
    """``root/version``, downloaded and unpacked first unless this host has it already.

    Raises ``LookupError`` when the version is no longer published (pruned meanwhile) and
    ``CorruptArtefact`` when what arrived is not what was published; nothing is left in
    ``root`` then.
    """
    target = root / version
    if (target / MANIFEST).exists():
        return target
    row = session.get(PublishedArtefact, version)
    if row is None:
        raise LookupError(f"artefact version {version} is not published")
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=root) as archive:
        seq = 0
        while (block := session.scalar(
                select(ArtefactChunk.data).where(ArtefactChunk.version == version,
                                                 ArtefactChunk.seq == seq))) is not None:
            archive.write(block)
            seq += 1
        if _digest(archive) != (row.size_bytes, row.sha256):
            raise CorruptArtefact(f"artefact version {version} arrived damaged "
                                  f"({seq} chunks); it was not installed")
        staging = Path(tempfile.mkdtemp(prefix=".fetch-", dir=root))
        try:
            with tarfile.open(fileobj=archive, mode="r") as tar:
                # "data": only plain files and folders under the staging folder.
                tar.extractall(staging, filter="data")
            unpacked = staging / version
            if not (unpacked / MANIFEST).is_file():
                raise CorruptArtefact(f"artefact version {version} holds no manifest")
            try:
                unpacked.rename(target)
            except OSError:
                # Another process of this host installed it first: theirs is the same.
                if not (target / MANIFEST).exists():
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    prune(root, keep=version)
    return target
