"""Messages customers asked for: triggers, the customer's terms, the outbox and its channels."""
