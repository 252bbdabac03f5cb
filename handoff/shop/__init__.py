"""Shop data behind a small interface: customers, orders, tracking, returns, points.

The demo merchant's data is seeded into the desk's own database; a real shop
puts its order system behind the same service functions.
"""
