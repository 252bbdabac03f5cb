"""Rasa SDK actions, split by topic. Shop data comes only from the desk's HTTP API."""
