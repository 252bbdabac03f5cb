"""Photos and files in chat: checked by their content, images re-encoded, stored outside the web root."""
