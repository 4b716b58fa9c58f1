"""Rule-based French pre-annotation: quotes (content, cue, source, speaker), mode and claim hints.

The block types come from `annotator.corpus.blocktype`; this package reads the sentences of the
blocks that get labels. ENGINE names the rules and lexicons: stored suggestions carry it, and
`annotator suggest --refresh` replaces the suggestions of any other version.
"""

ENGINE = "rules-2"


def engine_name(parser: bool = False) -> str:
    """The version stored suggestions carry: the rules, and the parse model when it repaired them."""
    if not parser:
        return ENGINE
    from annotator.suggest.parser import version

    return f"{ENGINE}+{version()}"
