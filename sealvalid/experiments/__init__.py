"""Experiments: configured studies written to disk with a manifest."""
