"""WeChat official-account channel (公众号): webhook, passive replies, customer-service messages."""
