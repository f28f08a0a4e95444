"""The JSON export holds the whole database, and `import` of it into a new database gives
a database whose export is identical: history, batches, roles, alerts and all."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from capacity import Capacity, errors
from capacity.storage.schema import migrations
from capacity.storage.store import Store
from capacity.transfer.exports import export
from capacity.transfer.restore import import_json
from tests.conftest import ADMIN, CLI, FakeClock, sharing

HOUSEHOLDS = (5, 4, 6, 5, 5, 6, 4, 5, 5, 5)


def after_moria(service: Capacity, clock) -> Capacity:
    """The seed scenario after Moria: assigned, arrived and settled; a batch too large
    for what is left, which queues an alert; an editor granted."""
    service.create_batch("Moria 2020", 50, ADMIN, year=2020, households=HOUSEHOLDS)
    clock.advance(minutes=5)
    assert service.allocate_auto("Moria 2020", ADMIN)
    clock.advance(days=20)
    service.set_status("Moria 2020", "arrived", ADMIN)
    clock.advance(days=30)
    service.set_status("Moria 2020", "settled", ADMIN, reason="alle bosatt")
    clock.advance(days=1)
    service.create_batch("Kvote 2020", 400, ADMIN, year=2020)
    service.grant("U_EDITOR", "editor", ADMIN, "Trondheim")
    assert [alert.status for alert in service.alerts()] == ["pending"]
    return service


@pytest.fixture(scope="module")
def _moria_template(_seeded_template, tmp_path_factory):
    """The scenario after Moria in a file, made once; (its path, its clock's time)."""
    path = tmp_path_factory.mktemp("moria") / "capacity.db"
    shutil.copy(_seeded_template, path)
    clock = FakeClock()
    service = Capacity(Store(path), clock=clock)
    service.grant(ADMIN.id, "admin", CLI)
    after_moria(service, clock)
    service.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    service.store.close()
    return path, clock.now


@pytest.fixture
def moria(_moria_template, _seeded_geography, tmp_path, clock):
    """A copy of the scenario after Moria, its clock where the scenario left it."""
    template, now = _moria_template
    path = tmp_path / "moria.db"
    shutil.copy(template, path)
    clock.now = now
    service = sharing(Capacity(Store(path), clock=clock), _seeded_geography)
    yield service
    service.store.close()


@pytest.fixture(scope="module")
def moria_document(_moria_template) -> str:
    """The JSON export of the scenario after Moria, for the tests that only read or
    edit the document."""
    service = Capacity(Store(_moria_template[0]))
    text = export(service, "json")
    service.store.close()
    return text


def opened(path: Path) -> Capacity:
    return Capacity(Store(path))


def refused(code: str, call, *args, **kwargs) -> errors.CapacityError:
    with pytest.raises(errors.CapacityError) as raised:
        call(*args, **kwargs)
    assert raised.value.code == code, str(raised.value)
    return raised.value


@pytest.mark.slow
def test_an_export_imported_into_a_fresh_database_exports_identically(moria, tmp_path):
    exported = export(moria, "json")
    fresh = Capacity.open(str(tmp_path / "new.db"))  # what `capacity init` makes
    fresh.store.close()

    result = import_json(exported.encode(), "export.json", tmp_path / "new.db")

    restored = opened(tmp_path / "new.db")
    assert export(restored, "json") == exported
    assert result.replaced is not None  # the bundled data it replaced, kept beside
    assert result.rows == sum(len(rows) for rows in json.loads(exported)["tables"].values())
    restored.store.close()


@pytest.mark.slow
def test_an_export_imports_into_a_database_it_creates(moria, tmp_path):
    exported = export(moria, "json")

    result = import_json(exported.encode(), "export.json", tmp_path / "sub" / "new.db")

    assert result.replaced is None
    restored = opened(tmp_path / "sub" / "new.db")
    assert export(restored, "json") == exported
    restored.store.close()
    assert {p.name for p in (tmp_path / "sub").iterdir()} == {"new.db"}


@pytest.mark.slow
def test_the_history_comes_back_with_its_ids_times_actors_sources_and_values(moria, tmp_path):
    import_json(export(moria, "json").encode(), "export.json", tmp_path / "new.db")
    restored = opened(tmp_path / "new.db")

    history, original = restored.history(), moria.history()  # ~5,000 records each
    assert history == original
    assert restored.history("Trondheim") == moria.history("Trondheim")
    settled = [c for c in history if c.reason == "alle bosatt"]
    assert [(c.entity, c.actor) for c in settled] == [("batch", ADMIN.id)]
    assert {c.actor for c in history} >= {"imdi", "ks-storbynettverk", ADMIN.id}
    assert history[-1].at == original[-1].at != history[0].at
    with pytest.raises(Exception, match="append-only"):
        restored.store.db.execute("DELETE FROM changes WHERE id = 1")
    restored.store.close()


@pytest.mark.slow
def test_batches_totals_roles_and_alerts_come_back(moria, tmp_path):
    import_json(export(moria, "json").encode(), "export.json", tmp_path / "new.db")
    restored = opened(tmp_path / "new.db")

    assert restored.batches() == moria.batches()
    moria_batch = restored.batch("Moria 2020")
    assert (moria_batch.status.value, moria_batch.allocated) == ("settled", 50)
    for place in ("Trondheim", "Oslo", "Bergen", "Tromsø"):
        assert restored.capacity(place, 2020) == moria.capacity(place, 2020)  # totals rebuilt
    assert restored.roles("U_EDITOR") == moria.roles("U_EDITOR")
    assert restored.alerts() == moria.alerts()
    next_batch = restored.create_batch("Neste", 5, ADMIN, year=2020).batch
    assert next_batch.id == moria.create_batch("Neste", 5, ADMIN, year=2020).batch.id
    restored.store.close()


@pytest.mark.slow
def test_importing_into_a_database_that_holds_data_is_refused_and_changes_nothing(
    moria, on_disk, tmp_path
):
    exported = export(moria, "json").encode()
    target = Path(moria.store.path)
    before = export(moria, "json")
    present = {p.name for p in target.parent.iterdir()}

    error = refused("holds_data", import_json, exported, "export.json", target)

    assert "holds data already" in str(error) and "batches: 2" in str(error)
    assert export(moria, "json") == before
    assert {p.name for p in target.parent.iterdir()} == present


@pytest.mark.parametrize(
    "data",
    [
        b"not json at all",
        b"[1, 2, 3]",
        b'{"figures": []}',
        b'{"format": "capacity-bot export", "format_version": 1}',
    ],
)
def test_a_file_that_is_not_a_whole_export_is_refused(tmp_path, data):
    refused("not_export", import_json, data, "file.json", tmp_path / "new.db")
    assert not (tmp_path / "new.db").exists()


def test_the_view_of_one_table_is_not_taken_for_an_export(moria, tmp_path):
    figures = export(moria, "json", "figures").encode()
    refused("not_export", import_json, figures, "figures.json", tmp_path / "new.db")


def edited(text: str, change) -> bytes:
    document = json.loads(text)
    change(document)
    return json.dumps(document).encode()


def _newer(document):
    document["migrations"].append("m999_from_the_future")
    document["schema_version"] += 1


def _unknown_table(document):
    document["tables"]["notes"] = [{"id": 1}]


def _unknown_column(document):
    document["tables"]["roles"][0]["colour"] = "blue"


def _derived_column(document):
    document["tables"]["batches"][0]["allocated"] = 999


def _broken_reference(document):
    document["tables"]["allocations"][0]["batch_id"] = 77


def _duplicate(document):
    document["tables"]["batches"].append(dict(document["tables"]["batches"][0]))


def _not_a_value(document):
    document["tables"]["roles"][0]["role"] = ["admin"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (_newer, "newer_schema"),
        (_unknown_table, "export_table"),
        (_unknown_column, "export_column"),
        (_derived_column, "export_column"),
        (_broken_reference, "export_invalid"),  # the domain's checks find it first
        (_duplicate, "export_rows"),
        (_not_a_value, "export_invalid"),
    ],
)
@pytest.mark.slow
def test_a_document_that_does_not_fit_the_schema_is_refused_and_leaves_no_file(
    moria_document, tmp_path, change, code
):
    target = tmp_path / "restored" / "new.db"
    refused(code, import_json, edited(moria_document, change), "edited.json", target)
    assert not target.parent.exists() or list(target.parent.iterdir()) == []


@pytest.mark.slow  # a whole export and import again, under another schema
def test_an_export_of_an_older_schema_is_loaded_and_migrated(moria, tmp_path, upgrade):
    old = json.loads(export(moria, "json"))
    name = upgrade()

    result = import_json(json.dumps(old).encode(), "old.json", tmp_path / "new.db")

    assert result.migrated == (name,)
    restored = opened(tmp_path / "new.db")
    now = json.loads(export(restored, "json"))
    restored.store.close()
    assert now["migrations"] == [*old["migrations"], name]
    assert now["schema_version"] == old["schema_version"] + 1
    assert [{**role, "note": ""} for role in old["tables"]["roles"]] == now["tables"]["roles"]
    del now["tables"]["roles"], old["tables"]["roles"]
    assert now["tables"] == old["tables"] and now["sequences"] == old["sequences"]


@pytest.mark.slow  # a whole export and import again, under another schema
def test_a_table_a_later_migration_adds_is_exported_and_imported(tmp_path, monkeypatch):
    def m005_notes(db):
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, scan BLOB)")

    added = migrations._Migration("m005_notes", m005_notes)
    monkeypatch.setattr(migrations, "_migrations", [*migrations._migrations, added])
    source = Capacity.open(str(tmp_path / "source.db"))
    source.store.db.execute("INSERT INTO notes VALUES (1, 'Møte med IMDi', x'00ff10')")
    exported = export(source, "json")

    import_json(exported.encode(), "export.json", tmp_path / "new.db")

    assert json.loads(exported)["tables"]["notes"] == [
        {"id": 1, "body": "Møte med IMDi", "scan": {"base64": "AP8Q"}}
    ]
    restored = opened(tmp_path / "new.db")
    assert export(restored, "json") == exported
    assert restored.store.db.execute("SELECT scan FROM notes").fetchone()[0] == b"\x00\xff\x10"
    restored.store.close()
    source.store.close()
