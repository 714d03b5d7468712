"""Delivery wishes and delivery windows: the shop's windows with capacity, the customer's
wishes (days, hours, home or pick-up point, green or fastest), the options ordered by those
wishes with reasons, and bookings that never pass a window's capacity."""
