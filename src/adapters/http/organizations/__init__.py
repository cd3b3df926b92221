"""Organizations, their members, invitations and audit log."""
