"""What the bot knows: FAQ answers and training examples, edited by the shop, exported for training."""
