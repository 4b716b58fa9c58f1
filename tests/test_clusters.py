import random
from itertools import combinations

from annotator.corpus.clusters import fingerprint, is_near_duplicate


def test_seed_clusters(store):
    clusters = {doc_id[:3]: cluster for doc_id, _, _, cluster in store.documents()}
    assert clusters["000"] == clusters["002"]
    others = [c for k, c in clusters.items() if k != "002"]
    assert len(set(others)) == len(others)  # no other pair shares a cluster


def test_pairwise_near_duplicates_only_000_002(store):
    fps = {}
    for doc_id, *_ in store.documents():
        rows = [r.text for r in store.sentences(doc_id) if r.block_type in ("headline", "body", "caption")]
        fps[doc_id[:3]] = fingerprint(rows)
    dup = {(a, b) for a, b in combinations(sorted(fps), 2) if is_near_duplicate(fps[a], fps[b])}
    assert dup == {("000", "002")}


def test_a_third_copy_joins_the_cluster_and_clusters_merge(tmp_path):
    from annotator.corpus.reader import SourceDoc
    from annotator.ingest import analyse
    from annotator.store import Store

    story = " ".join(
        f"Phrase numéro {i} de la dépêche sur les exercices militaires conjoints." for i in range(30)
    )
    other = " ".join(
        f"Autre texte {i} qui parle de tout autre chose dans une autre langue." for i in range(30)
    )
    with Store(tmp_path / "s.db") as s:
        s.ingest([analyse(SourceDoc("a", "a", story)), analyse(SourceDoc("b", "b", other))])
        s.ingest([analyse(SourceDoc("c", "c", "Titre\n" + story + "\nUn ajout final."))])
        clusters = {d: c for d, _, _, c in s.documents()}
    assert clusters["a"] == clusters["c"] == "a"
    assert clusters["b"] == "b"


def test_clusters_do_not_depend_on_how_documents_are_batched(tmp_path):
    """One ingest stores documents a batch at a time; copies far apart in it still meet, and the
    clusters are those of ingesting every document on its own."""
    from annotator.corpus.reader import SourceDoc
    from annotator.ingest import analyse
    from annotator.store import Store
    from annotator.store.corpus import _INGEST_BATCH

    words = "navire port flotte exercice frontière accord ministre armée pacte sommet côte mer".split()

    def story(k: int) -> str:  # its own words in its own order: stories share no 5-gram
        rng = random.Random(k)
        return " ".join(" ".join(rng.choices(words, k=10)) + f" {k}." for _ in range(8))

    n = 2 * _INGEST_BATCH + 10
    docs = [analyse(SourceDoc(f"d{i:04}", "x", story(i % (n // 3)) + f"\nFin {i}.")) for i in range(n)]
    with Store(tmp_path / "one.db") as s:
        s.ingest(docs)
        together = {d: c for d, _, _, c in s.documents()}
    with Store(tmp_path / "apart.db") as s:
        for doc in docs:
            s.ingest([doc])
        apart = {d: c for d, _, _, c in s.documents()}
    assert together == apart
    assert together["d0000"] == together[f"d{n // 3:04}"] == together[f"d{2 * (n // 3):04}"]
    assert len(set(together.values())) == n // 3
