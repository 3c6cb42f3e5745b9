"""Reads of applications and evidence, always scoped to what the person may see."""
