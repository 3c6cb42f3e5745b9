"""State-changing use cases for applications, split by concern (one module each)."""
