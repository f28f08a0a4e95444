"""Snapshots of IMDi's figures: a download recorded as its figures stood on its day (the
history's time is the end of that day, Norwegian time), in any order; the same one again
changes nothing; a bad one is refused with a clear message and changes nothing."""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction

import pytest

from capacity import errors
from capacity.models import Measure
from capacity.transfer.snapshots import import_snapshot_file
from tests.conftest import ADMIN
from tests.snapshot_files import NETWORK, snapshot

HALF, QUARTER = Fraction(1, 2), Fraction(1, 4)
END_OF_30_JUNE = "2023-06-30T21:59:59.999999+00:00"  # 23:59:59.999999 in Oslo (summer time)


def state(service) -> tuple:
    """What an import may change, summed up: history, figures, snapshots and points."""
    db = service.store.db
    return tuple(
        db.execute(sql).fetchone()
        for sql in (
            "SELECT count(*), max(id) FROM changes",
            "SELECT count(*), sum(coalesce(value, -1) * change_id), sum(change_id) FROM figures",
            "SELECT count(*), max(id) FROM snapshots",
            "SELECT count(*), sum(coalesce(settled, -1)) FROM snapshot_points",
        )
    )


def settled(service, when: str | None = None, place: str = "Trondheim") -> int | None:
    return service.capacity(place, 2023, as_of=when).value(Measure.SETTLED)


def test_the_bundled_figures_are_the_snapshot_of_25_september_2023(fresh):
    [bundled] = fresh.store.db.execute("SELECT day, year, recorded_at FROM snapshots").fetchall()
    assert bundled == ("2023-09-25", 2023, "2023-09-25T21:59:59.999999+00:00")


@pytest.mark.slow
def test_a_snapshot_is_recorded_at_the_end_of_its_day_and_named_by_file_and_date(fresh, tmp_path):
    path = snapshot(tmp_path, "2023-06-30", HALF, numbers=NETWORK)
    found = import_snapshot_file(fresh, path, ADMIN).result
    [record] = [c for c in fresh.history("Trondheim") if c.key == "5001/2023/settled"
                and c.source_date == "2023-06-30"]  # fmt: skip
    assert (record.at.isoformat(), record.before, record.after) == (END_OF_30_JUNE, "absent", 238)
    assert record.source.startswith(f"import {path.name} (sha256 ")
    assert record.source.endswith("IMDi's figures as of 2023-06-30")
    assert (found.day, found.year, found.registered) == (date(2023, 6, 30), 2023, True)
    assert found.newest == date(2023, 9, 25) and found.current == 0 and found.kept > 0


def test_an_older_snapshot_is_kept_in_the_history_and_never_replaces_the_newer_figures(
    fresh, tmp_path
):
    import_snapshot_file(fresh, snapshot(tmp_path, "2023-06-30", HALF, numbers=NETWORK), ADMIN)
    assert settled(fresh) == 476  # the snapshot of 25 September stays the current figure
    assert settled(fresh, "2023-07-01") == 238  # 476 / 2, as it stood then
    assert settled(fresh, "2023-06-30") == 238  # a date alone: the end of that day
    assert settled(fresh, "2023-06-29") is None  # no figure known before


def test_the_same_snapshot_again_changes_nothing(fresh, tmp_path):
    path = snapshot(tmp_path, "2023-06-30", HALF, numbers=NETWORK)
    import_snapshot_file(fresh, path, ADMIN)
    before = state(fresh)
    again = import_snapshot_file(fresh, path, ADMIN).result
    assert (again.changed, again.registered) == (0, False)
    assert state(fresh) == before


def test_the_date_in_the_files_name_is_its_day_and_a_file_with_neither_is_refused(fresh, tmp_path):
    named = import_snapshot_file(fresh, snapshot(tmp_path, "2023-03-31", numbers=NETWORK), ADMIN)
    assert named.result.day == date(2023, 3, 31)
    before = state(fresh)
    path = snapshot(tmp_path, "", numbers=NETWORK, name="bosatt_anmodede.csv")
    with pytest.raises(errors.InvalidInput) as refused:
        import_snapshot_file(fresh, path, ADMIN)
    assert refused.value.code == "snapshot_undated"
    assert "--as-of 2023-09-25" in str(refused.value)
    assert state(fresh) == before
    given = import_snapshot_file(fresh, path, ADMIN, as_of="30.06.2023").result
    assert given.day == date(2023, 6, 30)


@pytest.mark.parametrize(
    "as_of,code,words",
    [
        ("2999-01-01", "snapshot_future", "has not come yet"),
        ("2022-09-25", "snapshot_year", "are for 2023, so its snapshot is of a day in 2023"),
        ("2024-01-10", "snapshot_year", "not 2024-01-10"),
        ("31.06.2023", "snapshot_date", "is not a date I can read"),
    ],
)
def test_a_day_in_the_future_or_outside_the_files_year_is_refused_and_nothing_imported(
    fresh, tmp_path, as_of, code, words
):
    path = snapshot(tmp_path, "2023-06-30", numbers=NETWORK)
    before = state(fresh)
    with pytest.raises(errors.InvalidInput) as refused:
        import_snapshot_file(fresh, path, ADMIN, as_of=as_of)
    assert refused.value.code == code and words in str(refused.value)
    assert "Nothing was imported" in str(refused.value)
    assert state(fresh) == before


def test_a_file_that_is_not_imdis_download_makes_no_snapshot(fresh, tmp_path):
    path = tmp_path / "figures_2023-06-30.csv"
    path.write_text("number,year,settled\n5001,2023,200\n")
    before = state(fresh)
    with pytest.raises(errors.InvalidInput) as refused:
        import_snapshot_file(fresh, path, ADMIN)
    assert refused.value.code == "snapshot_format" and "is not IMDi's download" in str(
        refused.value
    )
    nothing = tmp_path / "x_2023-06-30.csv"
    nothing.write_text("a;b\n1;2\n")
    with pytest.raises(errors.InvalidImportFile):
        import_snapshot_file(fresh, nothing, ADMIN)
    assert state(fresh) == before


def test_a_file_without_settled_figures_is_no_snapshot(fresh, tmp_path):
    path = snapshot(tmp_path, "2023-06-30", numbers=NETWORK)
    lines = path.read_bytes().decode("cp1252").splitlines()
    path.write_bytes("\r\n".join(x for x in lines if "Faktisk" not in x).encode("cp1252"))
    with pytest.raises(errors.InvalidInput) as refused:
        import_snapshot_file(fresh, path, ADMIN)
    assert refused.value.code == "snapshot_no_settled"


def test_a_second_file_of_the_same_day_with_other_figures_is_refused_unless_replace(
    fresh, tmp_path
):
    import_snapshot_file(fresh, snapshot(tmp_path, "2023-06-30", HALF, numbers=NETWORK), ADMIN)
    corrected = snapshot(
        tmp_path, "2023-06-30", HALF, numbers=NETWORK, name="rettet_2023-06-30.csv",
        changes={("5001", "2023", "Faktisk bosetting"): "240"},
    )  # fmt: skip
    before = state(fresh)
    with pytest.raises(errors.InvalidInput) as refused:
        import_snapshot_file(fresh, corrected, ADMIN)
    assert refused.value.code == "snapshot_conflict"
    assert str(refused.value) == (
        "A snapshot of 2023-06-30 is imported already, and 1 figure differs in this file "
        "(namely Trondheim 2023, settled: 238 there, 240 here). Nothing was imported; if this file "
        "corrects that snapshot, import it with --replace"
    )
    assert state(fresh) == before

    replaced = import_snapshot_file(fresh, corrected, ADMIN, replace=True).result
    assert (replaced.changed, replaced.replaced) == (1, 1)
    assert settled(fresh, "2023-07-01") == 240
    change = fresh.history("Trondheim")[-1]
    assert (change.before, change.after, change.at.isoformat()) == (238, 240, END_OF_30_JUNE)
    assert change.reason == "replaces the figure of the same day's snapshot"
    assert fresh.pace("Trondheim", 2023).points[0].settled == 240


@pytest.mark.slow  # three imports
def test_a_snapshot_between_two_others_leaves_the_later_ones_as_they_were(fresh, tmp_path):
    """31 March: 119; 25 September (bundled): 476. A snapshot of 30 September that says
    476 records nothing (476 is the figure then); one of 30 June imported after it says
    238, and 30 September must still read 476: it is restated at its own time."""
    march = snapshot(tmp_path, "2023-03-31", QUARTER, numbers=NETWORK)
    september = snapshot(tmp_path, "2023-09-30", numbers=NETWORK)
    import_snapshot_file(fresh, march, ADMIN)
    import_snapshot_file(fresh, september, ADMIN)
    june = import_snapshot_file(fresh, snapshot(tmp_path, "2023-06-30", HALF, numbers=NETWORK),
                                ADMIN).result  # fmt: skip
    assert june.restated == 0  # 25 September's own record follows 30 June
    assert [settled(fresh, d) for d in ("2023-04-01", "2023-07-01", "2023-09-26",
                                        "2023-10-01")] == [119, 238, 476, 476]  # fmt: skip
    assert settled(fresh) == 476


def test_restating_keeps_a_later_snapshot_that_wrote_nothing(fresh, tmp_path):
    """A figure unchanged from 1 August to 1 September: the 1 September file writes
    nothing. A file of 15 August with another value, imported last, would make 1
    September read it; the 1 September value is restated at its own time."""
    numbers = ("5001",)
    cell = ("5001", "2023", "Faktisk bosetting")
    for day, value in (("2023-08-01", "300"), ("2023-09-01", "300")):
        import_snapshot_file(fresh, snapshot(tmp_path, day, numbers=numbers,
                                             changes={cell: value}), ADMIN)  # fmt: skip
    late = snapshot(tmp_path, "2023-08-15", numbers=numbers, changes={cell: "310"})
    found = import_snapshot_file(fresh, late, ADMIN).result
    assert found.restated == 1
    assert [settled(fresh, d) for d in ("2023-08-02", "2023-08-16", "2023-09-02",
                                        "2023-09-26")] == [300, 310, 300, 476]  # fmt: skip
    restated = fresh.history("Trondheim")[-1]
    assert (restated.source_date, restated.before, restated.after) == ("2023-09-01", 310, 300)
    assert [p.settled for p in fresh.pace("Trondheim", 2023).points] == [300, 310, 300, 476]


def test_only_an_admin_imports_a_snapshot(fresh, tmp_path):
    from capacity import Actor

    with pytest.raises(errors.PermissionDenied):
        import_snapshot_file(fresh, snapshot(tmp_path, "2023-06-30", numbers=NETWORK),
                             Actor(id="U_NOBODY"))  # fmt: skip


def test_the_import_is_in_the_history_and_the_weekly_summary(fresh, clock, tmp_path):
    import_snapshot_file(fresh, snapshot(tmp_path, "2023-06-30", HALF, numbers=NETWORK), ADMIN)
    clock.advance(minutes=1)
    [change] = [c for c in fresh.summary().changes if c.entity == "snapshot"]
    assert change.key == "2023-06-30" and change.after["year"] == 2023


def test_only_the_years_asked_for_are_recorded(fresh, tmp_path):
    path = snapshot(tmp_path, "2023-06-30", HALF, numbers=NETWORK)
    found = import_snapshot_file(fresh, path, ADMIN, years={2023}).result
    years = fresh.store.db.execute(
        "SELECT DISTINCT substr(key, 6, 4) FROM changes WHERE source_date = '2023-06-30' "
        "AND entity = 'figure'"
    ).fetchall()
    assert years == [("2023",)] and found.year == 2023
    [covered] = fresh.store.db.execute(
        "SELECT years FROM snapshots WHERE day = '2023-06-30'"
    ).fetchone()
    assert json.loads(covered) == [2023]


@pytest.mark.slow  # an export, a new database and an import
def test_a_json_export_carries_the_snapshots_in_the_history_and_they_are_made_again(
    fresh, tmp_path
):
    from capacity import Capacity
    from capacity.transfer.exports import export
    from capacity.transfer.restore import import_json

    import_snapshot_file(fresh, snapshot(tmp_path, "2023-06-30", HALF, numbers=NETWORK), ADMIN)
    exported = export(fresh, "json")
    assert '"snapshot_points"' not in exported  # derived: made again from the history
    import_json(exported.encode(), "export.json", tmp_path / "new.db")
    copy = Capacity.open(str(tmp_path / "new.db"))
    try:
        assert copy.pace("Trondheim", 2023) == fresh.pace("Trondheim", 2023)
        assert copy.pace("norge", 2023) == fresh.pace("norge", 2023)
        assert export(copy, "json") == exported
    finally:
        copy.store.close()


def test_a_file_imported_without_its_own_year_is_no_snapshot_of_that_year(fresh, tmp_path):
    path = snapshot(tmp_path, "2023-06-30", HALF, numbers=NETWORK)
    import_snapshot_file(fresh, path, ADMIN, years={2022})
    assert [p.day for p in fresh.pace("Trondheim", 2023).points] == [date(2023, 9, 25)]
