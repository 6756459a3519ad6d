"""Benchmarks: `make bench` runs benchmarks/national.py (results and history in BENCHMARKS.md)."""
