"""Pydantic models of requests, responses, events and stored items."""
