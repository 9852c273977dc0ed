"""sim.folders: which folders ihsim may replace, and a replacement that is undone on failure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim import folders


def make(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(("files", "ours"), [
    ({"manifest.json": json.dumps({"ihsim_version": "1"})}, True),
    ({"comparison.json": json.dumps({"ihsim_version": "1", "kind": "compare"})}, True),
    ({"sensitivity.json": json.dumps({"ihsim_version": "1"})}, True),
    ({"target.json": json.dumps({"goal": "x >= 1"})}, True),
    ({"manifest.json": json.dumps({"name": "someone else's"})}, False),
    ({"manifest.json": "{not json"}, False),
    ({"notes.txt": "x"}, False),
    ({"parts/run-key.json": "{}"}, False),  # a run key counts only in a .partial folder
])
def test_ihsims_folders_are_known_by_their_record(tmp_path: Path, files: dict[str, str], ours: bool) -> None:
    assert folders.written_by_ihsim(make(tmp_path / "X", files)) is ours


def test_a_partial_folder_is_ihsims_by_its_run_key(tmp_path: Path) -> None:
    assert folders.written_by_ihsim(make(tmp_path / "X.partial", {"parts/run-key.json": "{}"}))
    assert not folders.written_by_ihsim(make(tmp_path / "Y.partial", {"notes.txt": "x"}))


def test_check_ours_refuses_files_links_and_foreign_folders_but_not_empty_ones(tmp_path: Path) -> None:
    folders.check_ours(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    folders.check_ours(tmp_path / "empty")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    (tmp_path / "link").symlink_to(make(tmp_path / "X", {"manifest.json": json.dumps({"ihsim_version": "1"})}))
    make(tmp_path / "theirs", {"a.txt": "x"})
    for name, why in (("file", "it is a file"), ("link", "symbolic link"), ("theirs", "ihsim did not write it")):
        with pytest.raises(folders.NotOursError, match=why):
            folders.check_ours(tmp_path / name)


def test_discard_deletes_nothing_ihsim_did_not_write(tmp_path: Path) -> None:
    theirs = make(tmp_path / "theirs", {"a.txt": "x"})
    with pytest.raises(folders.NotOursError):
        folders.discard(theirs)
    assert (theirs / "a.txt").is_file()


def test_swap_in_moves_the_old_folder_aside_to_a_free_name(tmp_path: Path) -> None:
    new, out = make(tmp_path / "X.partial", {"a": "new"}), make(tmp_path / "X", {"a": "old"})
    make(tmp_path / "X.old", {"a": "the user's copy"})
    old = folders.swap_in(new, out)
    assert old == tmp_path / "X.old-2"
    assert (out / "a").read_text(encoding="utf-8") == "new"
    assert (old / "a").read_text(encoding="utf-8") == "old"
    assert (tmp_path / "X.old" / "a").read_text(encoding="utf-8") == "the user's copy"
    folders.swap_back(new, out, old)
    assert (out / "a").read_text(encoding="utf-8") == "old"
    assert (new / "a").read_text(encoding="utf-8") == "new"


def test_swap_in_puts_the_old_folder_back_when_the_rename_fails(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    new, out = make(tmp_path / "X.partial", {"a": "new"}), make(tmp_path / "X", {"a": "old"})
    replace = Path.replace

    def fail_for_new(self: Path, target: Path) -> Path:
        if self == new:
            raise OSError(28, "No space left on device")
        return replace(self, target)

    monkeypatch.setattr(Path, "replace", fail_for_new)
    with pytest.raises(OSError, match="No space"):
        folders.swap_in(new, out)
    monkeypatch.undo()
    assert (out / "a").read_text(encoding="utf-8") == "old"
    assert (new / "a").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X", "X.partial"]


def test_a_held_lock_is_refused_at_once(tmp_path: Path) -> None:
    with folders.locked(tmp_path / "X"), pytest.raises(folders.FolderBusyError, match=r"X is being written"), \
            folders.locked(tmp_path / "X"):
        pass
    with folders.locked(tmp_path / "X"):  # released: free again
        pass
