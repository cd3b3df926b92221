"""The HTTP edge (Litestar): one package per capability, each with its `controllers` and `schemas`."""
