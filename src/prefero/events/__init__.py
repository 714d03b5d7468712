"""Events: native and GA4 behaviour, idempotent, durable and consent-aware ingest."""
