"""Verifying who an anonymous customer is: a one-time SMS code or an order number with the phone's last four digits."""
