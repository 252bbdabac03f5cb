"""What supervisors do: the live board of open conversations, whispering to an agent, taking over."""
