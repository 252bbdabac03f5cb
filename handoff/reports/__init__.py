"""What happened in each finished conversation, and the satisfaction figures computed from it."""
