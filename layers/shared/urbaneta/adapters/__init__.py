"""Adapters to AWS services and third parties. Clients are built once per container, lazily."""
