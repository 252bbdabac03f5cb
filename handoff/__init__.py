"""The desk: the FastAPI service that owns channels, conversations and shop data."""
