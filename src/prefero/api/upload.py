"""Large request bodies spooled to a temporary file instead of memory.

The catalogue feed upload may be hundreds of megabytes: it is written to an anonymous
temporary file as it arrives (in ``data_dir``, on disk, not in the system temp dir, which
is often a RAM-backed tmpfs) and the parser reads it back a piece at a time. The body-size
limit (``api.body_limit``) has already capped it by the time it is written.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from typing import Annotated, BinaryIO

from fastapi import Depends, Request

from prefero.runtime import Runtime

__all__ = ["SPOOLED_BODY", "SpooledBody", "spool_body"]


async def spool_body(request: Request) -> AsyncIterator[BinaryIO]:
    """The body in an anonymous temporary file (deleted when closed), positioned at 0.

    A dependency with ``yield``: the file lives until the route returns.
    """
    runtime: Runtime = request.app.state.runtime
    directory = runtime.settings.data_dir
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=directory) as spool:
        # Writes go to the page cache and return at once; a thread hop per chunk would
        # cost more than the write.
        async for chunk in request.stream():
            spool.write(chunk)
        spool.seek(0)
        yield spool


# scope="function": the file is closed (and so deleted) as soon as the route returns.
# The marker is also what ``audited(..., body=SPOOLED_BODY)`` takes, so that the upload is
# spooled before the unit of work (and SQLite's write lock) is opened; FastAPI resolves the
# one dependency once per request.
SPOOLED_BODY = Depends(spool_body, scope="function")
SpooledBody = Annotated[BinaryIO, SPOOLED_BODY]
