"""Cart: session and database carts, selection for checkout. No models yet."""
