"""Cart: session and database carts, selection for checkout (arrives with its issue)."""
