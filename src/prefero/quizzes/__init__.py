"""Zero-party data capture: quiz and guided-selling definitions, sessions, results."""
