"""Operations: Prometheus metrics of jobs, sockets and the outbox. Other adapters never import this package;
entrypoints hand its recorders to them through small ports and callbacks."""
