"""Exports: the JSONL writer, splits, the manifest, atomic files."""
