"""Cross-cutting plumbing: settings, database, Redis, service authentication."""
