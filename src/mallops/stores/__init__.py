"""Storage: the protocol and its backends."""
