"""待优化问题: customer messages the bot did not handle well, grouped for the shop to teach it."""
