"""Corpus pipeline: reading files, blocks, sentence segmentation, block typing, near-duplicate clusters."""
