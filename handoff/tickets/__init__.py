"""Left messages (留言): a customer leaves one when nobody can answer; an agent answers it from the
console and the answer reaches the customer in the same channel (and by SMS where the shop has one)."""
