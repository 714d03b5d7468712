"""The shop's merchandising rules: pin, boost, bury and hide products by a facet condition,
per placement and time window (campaigns). Kept in the database (``models``), checked as
they are written (``service``), compiled over the catalogue snapshot for the request path
(``compiled``). See docs/merchandising.md."""
