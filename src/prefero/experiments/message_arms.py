"""Message experiments at the moment a trigger decides to message a customer: whether the
message goes, and the exposure.

The unit is the customer the message is for (a household profile's message is its account
holder's). The messaging path reaches this point only for a customer with a channel they
consented to, and only once per occasion (the dedup key); tracking consent decides, as
everywhere, whether the customer is measured as themself or only in the anonymous tallies.

- A message that answers the customer's own request (``prefero.experiments.requested``:
  a watched product back in stock, their box ready, a reminder they switched on) always
  goes as the policy decides: neither the holdout nor any experiment holds it back, and it
  exposes no one, since no arm can change it. (The set-up refuses a messages experiment on
  such a trigger; one stored before that rule is ignored here.)
- A customer in an arm with ``send=False`` does not get the message: it is recorded as
  held back (a ``cancelled`` outbox row with the reason, as the caps' drops are).
- The long-term holdout's held-out customers get no other triggered message, and take
  part in no other experiment. A customer without tracking consent in a holdout that does
  not allow anonymous measurement takes no part in it (as for recommendations).
- Two messages experiments on one trigger: the older (created first) that places the
  customer wins; the customer takes no part in the younger (and is not exposed to it).
- The exposure is logged at the decision, in every arm alike, the holding arm included:
  intention to treat. Logging it only when a message goes would compare customers who were
  sent something with customers who were not even counted. Every customer placed in the
  holdout is exposed to it at each decision, both arms alike, for the same reason.

The exposure is written in the offer's own unit of work (two statements while an experiment
applies to the customer, none otherwise), so a scanner run that rolls back leaves neither its
messages nor their exposures. Scanners get a session and settings, not the runtime: the
running set is held per database here, read through the same revision counter as
``runtime.experiments``, once per unit of work (a scanner run offers thousands of messages;
an experiment started meanwhile applies from the next run).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, Pool
from sqlalchemy.orm import Session

from prefero.experiments.exposures import Renders, write_exposures
from prefero.experiments.requested import requested
from prefero.experiments.running import Assignment, Book, RunningExperiments
from prefero.experiments.schemas import MessageArm

__all__ = ["MessageArms", "message_arms", "running_for", "write_message_exposures"]


@dataclass(frozen=True)
class MessageArms:
    """What the running experiments make of one trigger's message to one customer."""

    #: Why the message is held back (``None``: it goes as the policy decides).
    held_back: str | None = None
    assignments: tuple[Assignment, ...] = ()


_lock = threading.Lock()
# Per database, by its connection pool, held weakly (see prefero.search.popular).
_books: weakref.WeakKeyDictionary[Pool, Book] = weakref.WeakKeyDictionary()
# Where a unit of work keeps the running set it read (``Session.info``).
_RUNNING = "prefero.experiments.running"


def running_for(session: Session) -> RunningExperiments:
    """The experiments running as ``session``'s unit of work first asked (one read of the
    revision counter per unit of work; the experiments themselves only after a change).

    >>> # running_for(session).of_kind("messages", "new_from_followed")
    """
    held = session.info.get(_RUNNING)
    if isinstance(held, RunningExperiments):
        return held
    bind = session.get_bind()
    pool = (bind if isinstance(bind, Engine) else bind.engine).pool
    with _lock:
        book = _books.get(pool)
        if book is None:
            book = _books[pool] = Book()
    running = session.info[_RUNNING] = book.running(session)
    return running


def message_arms(running: RunningExperiments, *, trigger: str, customer: str,
                 tracking: bool) -> MessageArms:
    """The customer's arms for ``trigger`` among the ``running`` experiments.

    >>> from prefero.experiments.running import NOTHING_RUNNING
    >>> message_arms(NOTHING_RUNNING, trigger="new_from_followed", customer="c1",
    ...              tracking=True)
    MessageArms(held_back=None, assignments=())
    """
    if not running.experiments or requested(trigger):
        return MessageArms()
    holdout = running.holdout
    placed = running.assign(holdout, unit=customer, tracking=tracking) if holdout else None
    if placed is not None and placed.arm.control:
        return MessageArms(held_back="held back: the customer is in the long-term holdout "
                                     "(no personalization)", assignments=(placed,))
    assignments = [placed] if placed is not None else []
    # The oldest messages experiment on the trigger that places the customer.
    chosen = next((a for e in running.of_kind("messages", trigger)
                   if (a := running.assign(e, unit=customer, tracking=tracking)) is not None),
                  None)
    held_back: str | None = None
    if chosen is not None:
        assignments.append(chosen)
        if isinstance(chosen.arm.config, MessageArm) and not chosen.arm.config.send:
            held_back = (f"held back: the customer is in arm {chosen.arm.key!r} of "
                         f"experiment {chosen.experiment.key!r}, which sends nothing")
    return MessageArms(held_back=held_back, assignments=tuple(assignments))


def write_message_exposures(session: Session, arms: MessageArms, *, customer: str,
                            at: datetime) -> None:
    """Log the decision's exposures in the caller's unit of work (nothing when none).

    >>> # write_message_exposures(session, arms, customer="c1", at=now)
    """
    if not arms.assignments:
        return
    renders = Renders(since=0.0)
    for assignment in arms.assignments:
        renders.add(assignment, unit=customer, at=at)
    write_exposures(session, renders)
