"""Handoff requests from the bot to a human agent (the queue grows here)."""
