"""The platform operators' API."""
