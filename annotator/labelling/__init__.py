"""Screen state without Textual: the labelling session, the quote editor and the review."""
