"""Orchestration per endpoint group: store + domain + adapters; handlers call one function here."""
