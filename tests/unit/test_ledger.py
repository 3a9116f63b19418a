import pytest

from migrate.ledger import Ledger
from migrate.model import DesiredResource, Finding, LedgerEntry, Outcome, SourceRef


def ref(i: str = "a") -> SourceRef:
    return SourceRef("prometheus", "alerting_rule", f"f.yml/g/{i}", i, "f.yml")


def test_outcome_is_worst_finding() -> None:
    ledger = Ledger()
    entry = ledger.record(
        ref(),
        [Finding("x.one", "small gap"), Finding("x.two", "cannot translate", Outcome.MANUAL)],
        original="up == 0",
    )
    assert entry.outcome is Outcome.MANUAL
    assert entry.reason == "cannot translate"
    assert ledger.record(ref("b"), []).outcome is Outcome.EXACT
    assert ledger.record(ref("c"), [Finding("x.one", "gap")]).outcome is Outcome.APPROXIMATE


def test_one_outcome_per_object() -> None:
    ledger = Ledger()
    ledger.record(ref(), [])
    with pytest.raises(ValueError, match="already has an outcome"):
        ledger.record(ref(), [])


def test_outcomes_must_explain_themselves() -> None:
    ledger = Ledger()
    with pytest.raises(ValueError, match="needs a reason"):
        ledger.add(LedgerEntry(ref(), Outcome.SKIPPED))
    with pytest.raises(ValueError, match="name each difference"):
        ledger.add(LedgerEntry(ref(), Outcome.APPROXIMATE))
    assert ledger.record(ref(), [], skipped=True, reason="duplicate").outcome is Outcome.SKIPPED


def test_round_trip_and_summary() -> None:
    ledger = Ledger()
    target = DesiredResource("monitor", "abc", {"name": "x"}, [ref()])
    ledger.record(ref(), [Finding("promql.offset", "offset approximated")], targets=[target], original="x offset 5m")
    ledger.record(ref("b"), [], skipped=True, reason="not referenced")
    again = Ledger.from_dict(ledger.to_dict())
    assert [e.to_dict() for e in again] == [e.to_dict() for e in ledger]
    summary = again.summary()
    assert summary["total"] == 2
    assert summary["by_outcome"] == {"exact": 0, "approximate": 1, "manual": 0, "skipped": 1}
    assert summary["by_kind"] == {"prometheus/alerting_rule": {"approximate": 1, "skipped": 1}}
    assert again.get(ref().key) is not None
    assert again.get(ref().key).targets == ["abc"]  # type: ignore[union-attr]


def test_source_ref_key_and_marker_are_stable() -> None:
    a, b = ref(), ref()
    assert a.key == "prometheus/alerting_rule/f.yml/g/a"
    assert a.marker == b.marker
    assert len(a.marker) == 12
    assert SourceRef.from_dict(a.to_dict()) == a
