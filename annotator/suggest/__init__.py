"""Rule-based French pre-annotation: quotes (content, cue, source, speaker), mode and claim hints.

The block types come from `annotator.corpus.blocktype`; this package reads the sentences of the
blocks that get labels. ENGINE names the rules and lexicons: stored suggestions carry it, and
`annotator suggest --refresh` replaces the suggestions of any other version.
"""

ENGINE = "rules-1"
