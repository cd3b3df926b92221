"""Real time: the /ws endpoint, the per-process hub of local sockets, and the fan-out between processes."""
