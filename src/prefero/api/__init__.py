"""HTTP API: FastAPI app, dependencies, the one error handler, routes per area."""
