"""API keys the test runtime accepts (a module of its own: ``conftest`` is not importable
reliably once several folders have one)."""

ADMIN_KEY = "test-admin-key"
INGEST_KEY = "test-ingest-key"
READ_KEY = "test-read-key"
TOKEN_KEY = "test-token-key"  # only the 'token' scope: issues and revokes customer tokens
