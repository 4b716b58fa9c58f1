"""The Textual interface: the only part of annotator that imports Textual."""
