"""Fake provider servers: the same scripts, streamed over the providers' wire formats."""
