"""Configurable products: the customer decides the specification (processor, memory,
storage, colour, engraving) within the shop's compatibility rules, sees the price and the
delivery estimate as they choose, and saves configurations to their profile.

definition (typed format) · loader (YAML/JSON, exact error paths) · engine (evaluate choices:
problems, unavailable options with why, price, delivery) · defaults (pre-selection from the
customer's declared wishes, explained) · wording (texts in the shop's languages) · models
(saved configurations, live option stock) · schemas (API shapes) · service (the use cases).
"""
