"""Reply suggestions in the customer's tone, and sending them."""
