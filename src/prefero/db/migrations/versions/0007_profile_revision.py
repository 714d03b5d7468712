"""profile revision: a stamp on each customer that the database itself changes whenever the
customer's preferences or consents change, so that a server process may keep what it read
of them until the stamp moves

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# The tables whose rows make up a profile's declared part, and the events that change them.
_WATCHED = ("preferences", "consent_records")
_EVENTS = ("INSERT", "UPDATE", "DELETE")


def _name(table: str, event: str) -> str:
    return f"trg_{table}_{event.lower()}_profile_revision"


def upgrade() -> None:
    with op.batch_alter_table('customers') as batch:
        batch.add_column(sa.Column('profile_revision', sa.BigInteger(), nullable=False,
                                   server_default='0'))
    # Triggers rather than code in every service that writes: no write path, a bulk load or
    # a cascade of an erasure included, can change a profile without moving its stamp.
    # A stamp no transaction ever hands out twice, not a counter: a counter that a rolled
    # back write had moved would be moved to the same value again by the next write, and a
    # process that read the rolled back profile inside that transaction would take it for
    # current. PostgreSQL: the writing transaction's id (never reused, aborted ones
    # included); SQLite: a random 64-bit number.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION bump_profile_revision() RETURNS trigger AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN
                    UPDATE customers SET profile_revision = txid_current()
                    WHERE id = OLD.customer_id;
                END IF;
                IF TG_OP <> 'DELETE' THEN
                    UPDATE customers SET profile_revision = txid_current()
                    WHERE id = NEW.customer_id;
                END IF;
                RETURN NULL;
            END $$ LANGUAGE plpgsql""")
        for table in _WATCHED:
            op.execute(f"CREATE TRIGGER {_name(table, 'row')} AFTER INSERT OR UPDATE OR DELETE "
                       f"ON {table} FOR EACH ROW EXECUTE FUNCTION bump_profile_revision()")
        return
    for table in _WATCHED:
        for event in _EVENTS:
            rows = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}[event]
            bumps = " ".join(
                f"UPDATE customers SET profile_revision = random() "
                f"WHERE id = {row}.customer_id;" for row in rows)
            op.execute(f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} "
                       f"FOR EACH ROW BEGIN {bumps} END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _WATCHED:
            op.execute(f"DROP TRIGGER {_name(table, 'row')} ON {table}")
        op.execute("DROP FUNCTION bump_profile_revision()")
    else:
        for table in _WATCHED:
            for event in _EVENTS:
                op.execute(f"DROP TRIGGER {_name(table, event)}")
    with op.batch_alter_table('customers') as batch:
        batch.drop_column('profile_revision')
