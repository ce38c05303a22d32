"""The benchmark harness reads published P||Cmax instance files in the usual layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.instances import read_instance, read_instances


@pytest.mark.parametrize(
    "text",
    ["5 2\n4\n8\n1\n3\n9\n", "5\n2\n4 8 1 3 9\n", "2\n5\n4\n8\n1\n3\n9\n", "2 5 4 8 1 3 9"],
)
def test_n_and_m_in_either_order_on_one_line_or_two(tmp_path: Path, text: str) -> None:
    path = tmp_path / "U_1_0005_02_1.txt"
    path.write_text(text)
    instance = read_instance(path)
    assert (instance.costs, instance.m, instance.name) == ((4, 8, 1, 3, 9), 2, "U_1_0005_02_1")


@pytest.mark.parametrize("text", ["3 4\n1\n2\n", "1 2", "4 0\n1\n2\n3\n4\n"])
def test_a_file_whose_header_does_not_match_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(ValueError):
        read_instance(path)


def test_a_folder_reads_every_instance_file_by_name(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("2 1\n5\n6\n")
    (tmp_path / "a.dat").write_text("1\n2\n7\n7\n")
    (tmp_path / "notes.md").write_text("not an instance")
    assert [i.name for i in read_instances(tmp_path)] == ["a", "b"]
