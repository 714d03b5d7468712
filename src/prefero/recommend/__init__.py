"""The recommendation pipeline: candidates → constraints → scoring → diversify → explain."""
