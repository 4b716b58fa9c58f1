"""The corpus: reading files, blocks, sentence segmentation, block typing, near-duplicate clusters, quotation marks, tokens."""
