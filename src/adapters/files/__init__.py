"""File storage adapters (reports): local disk now; an object store would implement the same port."""
