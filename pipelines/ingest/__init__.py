"""Ingestion: school deliveries (CSV/XLSX, policy.yaml) into the raw DuckDB tables.

Plain Python (no Dagster): ``load`` is the public API, ``assets`` wraps it for Dagster.
"""
