"""Passwords, tokens, the current user and the access-control rules."""
