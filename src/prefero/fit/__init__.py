"""Made to measure and fit: the customer's body measurements and fit preference (sensitive,
under the ``fit`` consent, used for nothing but sizes), the shops' size charts, and the
recommended size with its true reason, moved by the customer's returns.

Modules, one concept each: ``measurements`` (what can be measured, in which ranges),
``models`` (the tables), ``schemas`` (API shapes), ``consent`` (the gate), ``service``
(read, write, erase), ``charts`` (size charts and their loader), ``advice`` (recommending a
size), ``feedback`` (returns that adjust advice), ``advisor`` (advice for a whole page from
one read), ``wording`` (reasons in the shopper's language) and ``orders`` (what checkout
stores for a made-to-measure line).
"""
