"""The resource table and what is derived from it."""
