"""Ingest benchmark: headlines accepted per second and accept latency, acks=all into a real broker."""
