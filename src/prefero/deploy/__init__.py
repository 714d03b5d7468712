"""Several API processes behind nginx on one host, started and stopped as one
(``deploy/up``, ``deploy/down``; see deploy/README.md). Every process reads the same
PostgreSQL and Redis, so more hosts are more of the same."""

from prefero.deploy.launch import DEFAULT_REDIS_URL, Deployment, Plan, api_environment, down, up

__all__ = ["DEFAULT_REDIS_URL", "Deployment", "Plan", "api_environment", "down", "up"]
