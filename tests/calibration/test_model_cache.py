"""The year's model is fitted once per data and reused; changed data is refitted."""

import os
import threading
import time

import pytest
from demo_copy import demo_copy

from scoring import cache as shared_cache
from scoring.calibration import cache
from scoring.data import years


@pytest.fixture
def data(tmp_path):
    return demo_copy(tmp_path / "data", training=False)


@pytest.fixture
def fits(monkeypatch):
    calls = []
    real = cache.fit_examiner_model

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(cache, "fit_examiner_model", counting)
    monkeypatch.setattr(shared_cache, "_MEMORY", {})
    return calls


def test_fitted_once_then_from_memory_and_from_disk(data, tmp_path, fits):
    store = tmp_path / "cache"
    first = cache.year_model(2023, data, cache_dir=store)
    assert cache.year_model(2023, data, cache_dir=store) is first
    assert len(fits) == 1 and len(list(store.glob("model-2023-*.pickle"))) == 1
    shared_cache._MEMORY.clear()  # another worker: reads the fit from disk instead of refitting
    again = cache.year_model(2023, data, cache_dir=store)
    assert len(fits) == 1
    assert again.effects.equals(first.effects) and again.variances == first.variances
    assert not list(store.glob(".*tmp"))


def test_changed_data_is_refitted(data, tmp_path, fits):
    store = tmp_path / "cache"
    before = cache.year_model(2023, data, cache_dir=store)
    scores = data / "2023" / "scores.csv"
    header, first, *rest = scores.read_text(encoding="utf-8").splitlines(keepends=True)
    assert ",individual," in first
    cells = first.split(",")
    cells[4] = "100" if cells[4] != "100" else "0"  # the score column
    scores.write_text("".join([header, ",".join(cells), *rest]), encoding="utf-8")
    after = cache.year_model(2023, data, cache_dir=store)
    assert len(fits) == 2 and after is not before
    assert after.residuals["score"].sum() != before.residuals["score"].sum()


def test_a_broken_cache_file_is_refitted(data, tmp_path, fits):
    store = tmp_path / "cache"
    cache.year_model(2023, data, cache_dir=store)
    for f in store.glob("model-*.pickle"):
        f.write_bytes(b"not a pickle")
    shared_cache._MEMORY.clear()
    cache.year_model(2023, data, cache_dir=store)
    assert len(fits) == 2


def test_a_change_in_how_scores_are_read_is_refitted(data, tmp_path, fits, monkeypatch):
    """The key covers the whole package's source, not only the model's modules: changed parsing
    code (here a copy of the package with one more line in the score reader) is a new key."""
    import shutil

    package = tmp_path / "scoring"
    shutil.copytree(shared_cache.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    reader = next(p for p in (package / "data.py", package / "data" / "scores.py") if p.is_file())
    assert shared_cache.code_checksum(package) == shared_cache.code_checksum()
    reader.write_text(reader.read_text(encoding="utf-8") + "\n# read scores differently\n", encoding="utf-8")
    changed = shared_cache.code_checksum(package)
    assert changed != shared_cache.code_checksum()

    store = tmp_path / "cache"
    cache.year_model(2023, data, cache_dir=store)
    monkeypatch.setattr(shared_cache, "code_checksum", lambda *a: changed)  # as if that package were installed
    shared_cache._MEMORY.clear()
    cache.year_model(2023, data, cache_dir=store)
    assert len(fits) == 2 and len(list(store.glob("model-2023-*.pickle"))) == 2


def test_every_cache_uses_the_one_key():
    """No module of the package builds a cache key of its own: data_checksum and code_checksum
    are called only by scoring.cache.cache_key."""
    import re

    for path in shared_cache.PACKAGE_DIR.rglob("*.py"):
        if path.name == "cache.py" and path.parent == shared_cache.PACKAGE_DIR:
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(data|code)_checksum\(|lru_cache|functools import cache\b", text), path


def test_the_year_is_read_once_then_from_memory_and_from_disk(data, tmp_path, monkeypatch):
    """year_data: load_year's year, read and checked once per state of the files (a national year: 2-3 s,
    then 0.2 s from disk in another kernel); each call gets its own tables; changed data is read again."""
    reads = []
    real = years.load_year
    monkeypatch.setattr(years, "load_year", lambda *a: reads.append(a) or real(*a))
    monkeypatch.setattr(shared_cache, "_MEMORY", {})
    store = tmp_path / "cache"
    first = years.year_data(2023, data, cache_dir=store)
    again = years.year_data(2023, data, cache_dir=store)
    assert len(reads) == 1 and again.scores.equals(first.scores) and again.scores is not first.scores
    assert len(list(store.glob("year-2023-*.pickle"))) == 1  # the folder's path is in the key, not in folders
    again.scores.loc[again.scores.index[0], "score"] = -1.0  # a caller's change stays its own
    assert years.year_data(2023, data, cache_dir=store).scores.equals(first.scores)
    shared_cache._MEMORY.clear()
    monkeypatch.setattr(years, "_LOADED", {})
    from_disk = years.year_data(2023, data, cache_dir=store)
    assert len(reads) == 1 and from_disk.scores.equals(first.scores) and from_disk.entries.equals(first.entries)
    assert from_disk.rubric.criterion_ids == first.rubric.criterion_ids
    fresh = real(2023, data)
    assert from_disk.scores.equals(fresh.scores) and from_disk.raw_scores.equals(fresh.raw_scores)
    scores = data / "2023" / "scores.csv"
    header, first_row, *rest = scores.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = first_row.split(",")
    cells[4] = "100" if cells[4] != "100" else "0"
    scores.write_text("".join([header, ",".join(cells), *rest]), encoding="utf-8")
    changed = years.year_data(2023, data, cache_dir=store)
    assert len(reads) == 2 and not changed.scores.equals(first.scores)
    # the same files in another folder: read for themselves, the rubric named where it is
    other = demo_copy(tmp_path / "other", training=False)
    elsewhere = years.year_data(2023, other, cache_dir=store)
    assert len(reads) == 3 and "other" in elsewhere.rubric.source and "other" not in first.rubric.source


def test_of_two_that_miss_at_once_one_computes_and_the_other_reads_its_result(tmp_path, monkeypatch):
    """Two kernels of a run (or a kernel and the runner) asking for the same year at the same time:
    the second waits for the first's result instead of computing it too (cache._one_at_a_time)."""
    monkeypatch.setattr(shared_cache, "_MEMORY", {})
    computed, start = [], threading.Barrier(2)

    def compute():
        computed.append(threading.current_thread().name)
        time.sleep(0.5)
        return {"made by": threading.current_thread().name}

    results = {}

    def ask(name):
        start.wait()
        results[name] = shared_cache.cached("slow", "key", compute, dict, tmp_path)

    threads = [threading.Thread(target=ask, args=(n,), name=n) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(computed) == 1
    assert results["a"] == results["b"] == {"made by": computed[0]}
    assert [p.name for p in tmp_path.glob("*.pickle")] == ["slow-key.pickle"]


def test_ahead_a_result_is_made_when_missing_and_left_unread_when_there(tmp_path, monkeypatch):
    """A run's read-ahead (``ahead=True``) computes and writes what is missing; what another process
    made it leaves on disk, unread."""
    monkeypatch.setattr(shared_cache, "_MEMORY", {})
    assert shared_cache.cached("ahead", "key", lambda: {"made": 1}, dict, tmp_path, ahead=True) == {"made": 1}
    assert (tmp_path / "ahead-key.pickle").is_file() and shared_cache._MEMORY == {}  # not kept in memory

    def no_reading(*args):
        raise AssertionError("read")

    monkeypatch.setattr(shared_cache, "_read", no_reading)
    assert shared_cache.cached("ahead", "key", lambda: {"made": 2}, dict, tmp_path, ahead=True) is None


def test_a_cache_on_a_file_system_without_locks_still_computes(tmp_path, monkeypatch):
    import fcntl

    def no_locks(*args):
        raise OSError(37, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    monkeypatch.setattr(shared_cache, "_MEMORY", {})
    assert shared_cache.cached("plain", "key", lambda: {"made": 1}, dict, tmp_path) == {"made": 1}
    assert (tmp_path / "plain-key.pickle").is_file()


def test_the_state_of_a_folder_changes_with_any_file_in_it(tmp_path):
    """``folder_state`` (the key of results read from every file of the data): a file added at any
    depth with any name, one rewritten with the same bytes, one removed; not the send list a run writes."""
    (tmp_path / "2024" / "training" / "grund").mkdir(parents=True)
    scores = tmp_path / "2024" / "scores.csv"
    scores.write_text("year,entry_id\n", encoding="utf-8")
    states = [shared_cache.folder_state(tmp_path)]
    (tmp_path / "2024" / "utskick.csv").write_text("written by a run\n", encoding="utf-8")
    assert shared_cache.folder_state(tmp_path) == states[-1]
    hand_in = tmp_path / "2024" / "training" / "grund" / "T11.XLSX"
    hand_in.write_bytes(b"PK")
    states.append(shared_cache.folder_state(tmp_path))
    stat = scores.stat()
    scores.write_text("year,entry_id\n", encoding="utf-8")
    os.utime(scores, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    states.append(shared_cache.folder_state(tmp_path))
    hand_in.unlink()
    states.append(shared_cache.folder_state(tmp_path))
    assert len(set(states)) == 4


def test_everyone_the_guard_knows_is_read_again_after_the_data_changes(data, tmp_path, monkeypatch):
    """The privacy guard's list of everyone (``audience.people``) is kept in the cache; a code
    added to any year's scores is in it at the next lookup, in this process and the next."""
    from scoring.reports import audience

    monkeypatch.setenv("SCORING_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(shared_cache, "_MEMORY", {})
    before = audience.people(data)
    assert "E99" not in before
    scores = data / "2023" / "scores.csv"
    first = scores.read_text(encoding="utf-8").splitlines()[1].split(",")
    first[2] = "E99"
    with open(scores, "a", encoding="utf-8") as f:
        f.write(",".join(first) + "\n")
    assert "E99" in audience.people(data)
    monkeypatch.setattr(shared_cache, "_MEMORY", {})  # another process: from the disk
    assert "E99" in audience.people(data) and set(audience.people(data)) == set(before) | {"E99"}
