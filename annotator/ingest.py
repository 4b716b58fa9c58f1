"""The one ingest path: read files, analyse them (corpus, then the suggestion engine), hand them
to the store. `ingest`, the default command, `suggest --refresh`, the tests and the benchmarks
all come through here; the store stores and never analyses.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from importlib import resources
from pathlib import Path

from annotator.corpus import pipeline
from annotator.corpus.pipeline import AnalysedDoc
from annotator.corpus.reader import SourceDoc, read_inputs
from annotator.store import IngestReport, Store

_PARALLEL_FROM = 200  # documents; below this, starting worker processes costs more than it saves


def bundled_seeds() -> Path:
    """The five seed articles shipped inside the package: the default corpus."""
    return Path(str(resources.files("annotator").joinpath("seeds")))


def _analysis(text: str, suggest: bool, parser: bool = False) -> tuple[pipeline.Parts, list[str | None]]:
    """Everything computed from one text: the corpus parts and, if asked, the suggestions
    (repaired by the dependency parse with `parser`)."""
    parts = pipeline.parts(text)
    if not suggest:
        return parts, []
    from annotator.suggest.engine import suggest_document

    _, spans, types, _ = parts
    return parts, [s.labels for s in suggest_document(text, spans, types, parser=parser)]


def _made(
    doc: SourceDoc, analysis: tuple[pipeline.Parts, list[str | None]], suggest: bool, parser: bool = False
) -> AnalysedDoc:
    from annotator.suggest import engine_name

    parts, suggestions = analysis
    return AnalysedDoc(doc, *parts, suggestions=suggestions, engine=engine_name(parser) if suggest else None)


def analyse(doc: SourceDoc, *, suggest: bool = True, parser: bool = False) -> AnalysedDoc:
    """One document, analysed and (unless told not to) with the engine's suggestions."""
    return _made(doc, _analysis(doc.text, suggest, parser), suggest, parser)


def analyse_all(
    docs: list[SourceDoc], *, suggest: bool = True, parser: bool = False
) -> Iterator[AnalysedDoc]:
    """Many documents, in order, on every core when there are enough of them."""
    workers = min(os.cpu_count() or 1, 8)
    if workers < 2 or len(docs) < _PARALLEL_FROM:
        yield from (analyse(d, suggest=suggest, parser=parser) for d in docs)
        return
    with ProcessPoolExecutor(workers) as pool:
        # Only the texts travel to the workers and only the analysis comes back.
        n = len(docs)
        results = pool.map(_analysis, (d.text for d in docs), [suggest] * n, [parser] * n, chunksize=64)
        for doc, analysis in zip(docs, results, strict=True):
            yield _made(doc, analysis, suggest, parser)


def ingest_docs(
    store: Store, docs: list[SourceDoc], *, suggest: bool = True, parser: bool = False
) -> IngestReport:
    """Analyse and store documents already read, in one transaction (all or nothing), into a
    store that is not damaged."""
    store.verify()
    return store.ingest(analyse_all(docs, suggest=suggest, parser=parser))


def ingest_paths(
    store: Store,
    paths: Iterable[Path],
    *,
    suggest: bool = True,
    parser: bool = False,
    on_bad: Callable[[str], None] | None = None,
) -> IngestReport:
    """Read `.txt` files, folders and `.jsonl` files (all before anything is written), then
    ingest them. `on_bad`: report a bad file and go on, instead of stopping at it."""
    return ingest_docs(store, read_inputs(list(paths), on_bad), suggest=suggest, parser=parser)


def refresh_suggestions(store: Store, *, parser: bool = False) -> tuple[int, int]:
    """Recompute every stored document's suggestions with this engine (and the parse, with
    `parser`); labels are not touched. Returns (sentences whose suggestion changed, documents)."""
    from annotator.suggest import engine_name

    docs = store.stored_documents()
    analysed = analyse_all([SourceDoc(doc_id, path, text) for doc_id, path, text in docs], parser=parser)
    suggestions = (
        (
            a.doc_id,
            [(start, end, js) for (_, start, end), js in zip(a.sentences(), a.suggestions, strict=True)],
        )
        for a in analysed
    )
    return store.replace_suggestions(suggestions, engine_name(parser)), len(docs)
