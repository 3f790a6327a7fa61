"""Training and exporting the Max-of-K model zoo (untrusted: the checker never imports this)."""
