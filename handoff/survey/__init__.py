"""The satisfaction survey after a conversation (CSAT, resolution, NPS, CES, comment) and its follow-ups."""
