"""Events, ticket types, orders, tickets and check-in."""
