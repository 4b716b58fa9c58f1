import pytest
from pydantic import ValidationError

from annotator.model import ExportRecord, Quote, SentenceLabels, Span

TEXT = "« Nous partirons », a-t-il déclaré."


def record(**changes):
    base = dict(
        id="d:10-45",
        doc_id="d",
        doc_sha256="0" * 64,
        cluster="d",
        block=0,
        block_type="body",
        lang="fr",
        start=10,
        end=45,
        text=TEXT,
        labels={},
        status="done",
        annotator="alice",
        origin="manual",
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
    )
    base.update(changes)
    return ExportRecord.model_validate(base)


def quote(**changes):
    q = dict(
        type="direct",
        content=[dict(start=2, end=16, text="Nous partirons")],
        cue=dict(start=27, end=34, text="déclaré"),
        source=dict(start=24, end=26, text="il"),
    )
    q.update(changes)
    return q


def test_valid_record_with_a_quote():
    r = record(labels={"mode": "reporting", "claim": "none", "quotes": [quote()]})
    assert r.labels.quotes[0].cue.text == "déclaré"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": "d:0-35"}, "does not match"),
        ({"end": 46, "id": "d:10-46"}, "characters but start-end covers"),
        ({"labels": {"quotes": [quote(cue=dict(start=26, end=33, text="déclaré"))]}}, "quote 1 cue 26-33 is"),
        ({"labels": {"quotes": [quote(source=dict(start=30, end=40, text="x" * 10))]}}, "runs past the end"),
        ({"labels": {"quotes": [quote(content=[])]}}, "at least 1 item"),
        ({"labels": {"mode": "opinion"}}, "Input should be"),
        ({"labels": {"flags": ["uncertain", "mt_noise"]}}, "sorted and unique"),
        ({"surprise": 1}, "Extra inputs are not permitted"),
        ({"status": "done", "annotator": None}, "needs an annotator"),
        ({"schema_version": 5}, "Input should be 1, 2, 3 or 4"),
        ({"seconds": -1}, "greater than or equal to 0"),
    ],
)
def test_invalid_records(changes, message):
    with pytest.raises(ValidationError, match=message):
        record(**changes)


def test_span_checks_itself():
    with pytest.raises(ValidationError, match="greater than start"):
        Span(start=3, end=3, text="")
    with pytest.raises(ValidationError, match="characters but covers"):
        Span(start=0, end=3, text="ab")


def test_content_spans_in_order():
    with pytest.raises(ValidationError, match="in order"):
        Quote(type="direct", content=[Span(start=5, end=7, text="ab"), Span(start=0, end=2, text="cd")])


def test_labels_frozen():
    labels = SentenceLabels(mode="reporting")
    with pytest.raises(ValidationError):
        labels.mode = "commentary"
