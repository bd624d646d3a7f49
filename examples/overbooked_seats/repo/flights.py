def free_seats(capacity, bookings):
    """Seats still free: capacity less the seats booked, never below zero."""
    booked = sum(bookings)
    return capacity - booked
