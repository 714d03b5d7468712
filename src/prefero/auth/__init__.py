"""Customer tokens: signing and verifying them, revoking them, and the one-time exchange
codes that open the server-rendered preference center. No HTTP here."""
