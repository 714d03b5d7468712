"""Customer segments: the rule language, stored membership and discovered clusters."""

# The listeners that notice which customers' facts change (registered on import; every
# process that writes imports the ORM models, and with them this package).
from prefero.segments import dirty as _dirty  # noqa: F401
