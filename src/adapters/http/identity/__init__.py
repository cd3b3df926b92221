"""Sign-up, log-in, log-out and the caller (`/api/auth`, `/api/me`)."""
