"""The customer-facing web: storefront, preference center, quiz player (Jinja2 + htmx)."""
