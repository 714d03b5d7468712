"""Rule segments: create, read, change and delete them (every write in the audit log), count
and preview who meets a condition. No HTTP here.

A segment's members are stored (``prefero.segments.membership``): rebuilt in full when the
segment is created or its condition changes, then kept fresh incrementally.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prefero.audit.service import record
from prefero.config import Settings, get_settings
from prefero.customers.models import Customer
from prefero.db.base import utcnow
from prefero.errors import Conflict, FieldError, InvalidInput, NotFound
from prefero.segments.compile import count_query, members_query
from prefero.segments.conditions import Condition, is_windowed, parse_condition
from prefero.segments.membership import Changes, defaults_of, rebuild
from prefero.segments.models import Segment, SegmentMember

__all__ = [
    "KEY_PATTERN",
    "MAX_PREVIEW",
    "RESERVED_KEYS",
    "SEGMENT",
    "SegmentOut",
    "SegmentPreview",
    "count_members",
    "create_segment",
    "delete_segment",
    "get_segment",
    "list_segments",
    "preview",
    "rebuild_all",
    "record_export",
    "stored_condition",
    "update_segment",
]

#: A segment's key: a lowercase slug (what URLs, exports and content targeting name).
KEY_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
_KEY = re.compile(KEY_PATTERN)
MAX_KEY, MAX_NAME, MAX_DESCRIPTION = 64, 200, 1000
#: Words the API's own paths use under /v1/segments/ (and the dashboard's under
#: /dashboard/segments/): never a segment's key.
RESERVED_KEYS = frozenset({"count", "discovered", "new"})
#: Most segments a shop keeps: each is evaluated for every changed customer.
MAX_SEGMENTS = 500
MAX_PREVIEW = 100
#: The audit log's kind of target for a segment (its key is the target).
SEGMENT = "segment"


class SegmentOut(BaseModel):
    """A segment as stored, with how many customers it holds now."""

    key: str = Field(examples=["vegan-buyers"])
    name: str = Field(examples=["Vegan buyers"])
    description: str | None = None
    condition: dict[str, Any] = Field(description="The condition tree (see docs/segments.md)")
    windowed: bool = Field(description="Membership changes with time alone (behaviour or "
                                       "RFM windows): the periodic sweep re-reads it")
    members: int = Field(description="Customers in the segment now (stored membership)")
    created_at: datetime
    updated_at: datetime


class SegmentPreview(BaseModel):
    """The first customers (by id) who meet the segment's condition now, and how many do."""

    key: str
    total: int
    customer_ids: list[str]


def _settings(settings: Settings | None) -> Settings:
    return settings if settings is not None else get_settings()


def _checked(*, key: str | None, name: str, description: str | None) -> list[FieldError]:
    errors = []
    if key is not None and (len(key) > MAX_KEY or not _KEY.match(key)):
        errors.append(FieldError(("key",), f"must be a lowercase slug of letters, digits and "
                                           f"single hyphens, at most {MAX_KEY} characters "
                                           "(e.g. vegan-buyers)"))
    elif key in RESERVED_KEYS:
        errors.append(FieldError(("key",), f"{key!r} is a word the API uses in its paths; "
                                           "choose another key"))
    if not name.strip() or len(name) > MAX_NAME:
        errors.append(FieldError(("name",), f"must have 1 to {MAX_NAME} characters, not all "
                                            "blank"))
    if description is not None and len(description) > MAX_DESCRIPTION:
        errors.append(FieldError(("description",),
                                 f"must have at most {MAX_DESCRIPTION} characters"))
    return errors


def _out(row: Segment, members: int) -> SegmentOut:
    return SegmentOut(key=row.key, name=row.name, description=row.description,
                      condition=dict(row.condition), windowed=row.windowed, members=members,
                      created_at=row.created_at, updated_at=row.updated_at)


def _members(session: Session, segment_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(SegmentMember)
                              .where(SegmentMember.segment_id == segment_id)) or 0)


def _row(session: Session, key: str) -> Segment:
    row = session.scalar(select(Segment).where(Segment.key == key))
    if row is None:
        raise NotFound(f"no segment {key!r}")
    return row


def _stored(condition: Condition) -> dict[str, Any]:
    dumped: dict[str, Any] = condition.model_dump(mode="json")
    return dumped


def create_segment(session: Session, *, key: str, name: str, condition: Condition,
                   description: str | None = None, actor: str | None,
                   client: str | None = None, settings: Settings | None = None,
                   now: datetime | None = None) -> SegmentOut:
    """Store a new segment and its members as of now; ``Conflict`` when the key is taken,
    ``InvalidInput`` naming each wrong field. Audited as ``segment.create``.

    >>> create_segment(session, key="vegans", name="Vegans", actor="key:ab12cd34",
    ...                condition=parse_condition({"type": "declared", "kind": "like",
    ...                                           "facet": "diet", "value": "vegan"})
    ...                ).key  # doctest: +SKIP
    'vegans'
    """
    errors = _checked(key=key, name=name, description=description)
    if errors:
        raise InvalidInput("the segment is not valid", errors)
    if session.scalar(select(Segment.id).where(Segment.key == key)) is not None:
        raise Conflict(f"a segment {key!r} exists already")
    count = int(session.scalar(select(func.count()).select_from(Segment)) or 0)
    if count >= MAX_SEGMENTS:
        raise Conflict(f"a shop keeps at most {MAX_SEGMENTS} segments; delete one first")
    now = now or utcnow()
    row = Segment(key=key, name=name.strip(), description=description,
                  condition=_stored(condition), windowed=is_windowed(condition),
                  created_at=now, updated_at=now)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        # Another request created the same key between the check above and this insert.
        raise Conflict(f"a segment {key!r} exists already") from None
    changes = rebuild(session, row.id, condition, defaults=defaults_of(_settings(settings)),
                      now=now)
    record(session, actor=actor, action="segment.create", target_kind=SEGMENT, target=key,
           client=client)
    return _out(row, changes.joined)


def get_segment(session: Session, key: str) -> SegmentOut:
    """The segment ``key``; ``NotFound`` when there is none."""
    row = _row(session, key)
    return _out(row, _members(session, row.id))


def list_segments(session: Session) -> list[SegmentOut]:
    """Every segment, by key, with its stored member counts (one grouped query)."""
    counts = dict(session.execute(
        select(SegmentMember.segment_id, func.count()).group_by(SegmentMember.segment_id)
    ).all())
    return [_out(row, counts.get(row.id, 0))
            for row in session.scalars(select(Segment).order_by(Segment.key))]


def update_segment(session: Session, *, key: str, name: str, condition: Condition,
                   description: str | None = None, actor: str | None,
                   client: str | None = None, settings: Settings | None = None,
                   now: datetime | None = None) -> SegmentOut:
    """Replace the segment's name, description and condition; a new condition rebuilds its
    members. Audited as ``segment.update``."""
    errors = _checked(key=None, name=name, description=description)
    if errors:
        raise InvalidInput("the segment is not valid", errors)
    row = _row(session, key)
    now = now or utcnow()
    stored = _stored(condition)
    changed = stored != row.condition
    row.name, row.description, row.condition = name.strip(), description, stored
    row.windowed = is_windowed(condition)
    row.updated_at = now
    session.flush()
    if changed:
        rebuild(session, row.id, condition, defaults=defaults_of(_settings(settings)), now=now)
    record(session, actor=actor, action="segment.update", target_kind=SEGMENT, target=key,
           client=client)
    return _out(row, _members(session, row.id))


def delete_segment(session: Session, *, key: str, actor: str | None,
                   client: str | None = None) -> None:
    """Delete the segment and its stored members. Audited as ``segment.delete``."""
    row = _row(session, key)
    session.delete(row)
    session.flush()
    record(session, actor=actor, action="segment.delete", target_kind=SEGMENT, target=key,
           client=client)


def count_members(session: Session, *, condition: Condition, now: datetime | None = None,
                  settings: Settings | None = None) -> int:
    """How many customers meet ``condition`` now (one SQL count; the live builder's answer).

    >>> count_members(session, condition=parse_condition(
    ...     {"type": "consent", "purpose": "marketing_email", "granted": True})
    ... )  # doctest: +SKIP
    1234
    """
    query = count_query(condition, now=now or utcnow(),
                        defaults=defaults_of(_settings(settings)),
                        dialect=session.get_bind().dialect.name)
    return int(session.scalar(query) or 0)


def preview(session: Session, *, key: str, limit: int = 20, now: datetime | None = None,
            settings: Settings | None = None) -> SegmentPreview:
    """The first ``limit`` customer ids (by id) meeting the segment's condition now, and
    the total."""
    if not 1 <= limit <= MAX_PREVIEW:
        raise InvalidInput(f"limit must be between 1 and {MAX_PREVIEW}",
                           [FieldError(("limit",), f"must be between 1 and {MAX_PREVIEW}")])
    row = _row(session, key)
    condition = parse_condition(row.condition)
    now = now or utcnow()
    defaults = defaults_of(_settings(settings))
    dialect = session.get_bind().dialect.name
    ids = list(session.scalars(members_query(condition, now=now, defaults=defaults,
                                             dialect=dialect)
                               .order_by(Customer.id).limit(limit)))
    total = int(session.scalar(count_query(condition, now=now, defaults=defaults,
                                           dialect=dialect)) or 0)
    return SegmentPreview(key=key, total=total, customer_ids=ids)


def stored_condition(session: Session, key: str) -> Condition:
    """The segment's condition, parsed (``NotFound`` when there is none)."""
    return parse_condition(_row(session, key).condition)


def rebuild_all(session: Session, *, settings: Settings | None = None,
                now: datetime | None = None) -> Mapping[str, Changes]:
    """Rebuild every segment's members from the compiled conditions: what ``prefero segments
    refresh --all`` runs after a crash lost queued changes."""
    defaults = defaults_of(_settings(settings))
    now = now or utcnow()
    return {row.key: rebuild(session, row.id, parse_condition(row.condition),
                             defaults=defaults, now=now)
            for row in session.scalars(select(Segment).order_by(Segment.key))}


def record_export(session: Session, *, key: str, channel: str, actor: str | None,
                  client: str | None = None) -> None:
    """Record in the audit log that the segment's members were exported for ``channel``
    (customer ids leave the shop). Audited as ``segment.export.<channel>``."""
    _row(session, key)
    record(session, actor=actor, action=f"segment.export.{channel}", target_kind=SEGMENT,
           target=key, client=client)
