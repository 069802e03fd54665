"""Workflow definitions and the engine that applies events to records."""
