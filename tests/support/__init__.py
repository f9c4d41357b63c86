"""Test support shared by several test folders: Kafka readers and writers, fixtures for a real gateway."""
