"""``--shard K/N`` slices and ``jwtbench merge`` (no environments, no timing).

The slicing is checked on the real matrix; the merge on shards cut from a
committed golden results file, so a refusal is tested by changing one field.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from jwtbench.cli.main import main
from jwtbench.envs.shard import MergeError, merge_shards, missing_shards
from jwtbench.measure.groups import child_command
from jwtbench.measure.matrix import PROFILES, build_matrix
from jwtbench.model.errors import UsageError
from jwtbench.model.results import Results, load_results
from jwtbench.model.selection import Selection
from jwtbench.model.shard import Shard, group_of

GOLDEN = Path(__file__).parent / "data" / "golden_paired.json"
QUICK = PROFILES["quick"]


def _groups(cells: list[Any]) -> set[str]:
    return {group_of(c.params) for c in cells}


def test_shards_cover_the_matrix_once_and_keep_every_group_whole() -> None:
    whole = build_matrix(QUICK, Selection(algs=("HS256", "RS256", "ES256", "dir")))
    parts = [build_matrix(QUICK, Selection(algs=("HS256", "RS256", "ES256", "dir"),
                                           shard=Shard(k, 3))) for k in (1, 2, 3)]  # fmt: skip
    assert sorted(c.id for p in parts for c in p) == sorted(c.id for c in whole)
    groups = [_groups(p) for p in parts]
    assert not (groups[0] & groups[1]) and not (groups[1] & groups[2])  # whole groups only
    for part in parts:  # every member of a group it holds
        for group in _groups(part):
            members = {c.adapter for c in whole if group_of(c.params) == group}
            assert {c.adapter for c in part if group_of(c.params) == group} == members
    sizes = [len(g) for g in groups]
    assert max(sizes) - min(sizes) <= 1  # dealt round-robin: balanced by group count


def test_a_one_adapter_child_picks_exactly_its_share_of_the_parents_groups() -> None:
    selection = Selection(algs=("HS256", "RS256"), shard=Shard(2, 3))
    parent = build_matrix(QUICK, selection)
    child = build_matrix(QUICK, selection.replace(adapters=("pyjwt",)))
    assert [c for c in parent if c.adapter == "pyjwt"] == child
    cmd = child_command("quick", selection, "pyjwt", Path("o.json"), "quick", None)
    assert "--shard=2/3" in cmd  # the lockstep child gets the same slice


def test_the_slice_is_deterministic_and_recorded_in_the_selection() -> None:
    one = build_matrix(QUICK, Selection(algs=("HS256",), shard=Shard(1, 2)))
    two = build_matrix(QUICK, Selection(algs=("HS256",), shard=Shard(1, 2)))
    assert one == two and one
    data = Selection(algs=("HS256",), shard=Shard(1, 2)).to_json()
    assert data["shard"] == "1/2" and Selection.from_json(data).shard == Shard(1, 2)


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0", "2/-1"])
def test_a_bad_shard_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="--shard"):
        Shard.parse(text)


def _shards(tmp_path: Path, count: int = 2) -> list[Path]:
    """The golden run cut into ``count`` shard files, as ``run --shard K/N`` would write them."""
    raw = json.loads(GOLDEN.read_text(encoding="utf-8"))
    raw["jwtbench"]["provenance"]["jwtbench"] = "0.1.0"
    paths = []
    for k in range(1, count + 1):
        shard = Shard(k, count)
        doc = copy.deepcopy(raw)
        meta = doc["jwtbench"]
        cells = meta["cells"]
        keep = shard.groups([_P(c["params"]) for c in cells])
        meta["cells"] = [c for c in cells if group_of(c["params"]) in keep]
        doc["benchmarks"] = [b for b in doc["benchmarks"] if group_of(b["params"]) in keep]
        meta["selection"]["shard"] = str(shard)
        path = tmp_path / f"shard{k}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        paths.append(path)
    return paths


class _P:
    def __init__(self, params: dict[str, str]) -> None:
        self.params = params


def test_merged_shards_are_the_whole_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = _shards(tmp_path, 3)
    out = tmp_path / "merged.json"
    assert main(["merge", *map(str, paths), "--output", str(out)]) == 0
    merged, golden = load_results(out), load_results(GOLDEN)
    assert sorted(map(str, merged.record.by_key())) == sorted(map(str, golden.record.by_key()))
    assert len(merged.raw["benchmarks"]) == len(golden.raw["benchmarks"])
    assert [s["shard"] for s in merged.record.merged_shards or ()] == ["1/3", "2/3", "3/3"]
    assert "shard" not in merged.record.run.selection
    assert "merged 3 files" in capsys.readouterr().out


def test_a_missing_shard_is_noted_not_refused(tmp_path: Path) -> None:
    paths = _shards(tmp_path, 3)
    runs = [load_results(p) for p in (paths[0], paths[2])]
    assert missing_shards(runs) == ["2/3"]
    assert merge_shards(runs)["jwtbench"]["merged_shards"][1]["shard"] == "3/3"


def _edit(path: Path, where: str, key: str, value: Any) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    target = doc["jwtbench"] if not where else doc["jwtbench"][where]
    target[key] = value
    path.write_text(json.dumps(doc), encoding="utf-8")


@pytest.mark.parametrize(
    ("where", "key", "value", "named"),
    [
        ("provenance", "cpu", "Intel Xeon", "different machine type"),
        ("provenance", "machine_id", "Darwin-CPython-3.11-64bit", "different machine type"),
        ("provenance", "python", "3.12.1", "different Python version"),
        ("provenance", "jwtbench", "0.2.0", "different jwtbench version"),
        ("", "profile", "full", "different profile"),
    ],
)
def test_merge_refuses_shards_made_differently_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, key: str, value: Any, named: str
) -> None:
    first, second = _shards(tmp_path)
    _edit(second, where, key, value)
    out = tmp_path / "m.json"
    assert main(["merge", str(first), str(second), "--output", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and named in err and "shard2.json" in err
    assert not out.exists()


def test_merge_refuses_overlapping_shards(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, _ = _shards(tmp_path)
    assert main(["merge", str(first), str(first), "-o", str(tmp_path / "m.json")]) == 2
    assert "both hold cell" in capsys.readouterr().err


def test_merge_refuses_one_adapter_at_two_versions(tmp_path: Path) -> None:
    first, second = _shards(tmp_path)
    doc = json.loads(second.read_text(encoding="utf-8"))
    doc["jwtbench"]["adapters"]["pyjwt"]["version"] = "2.8.0"
    second.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(MergeError, match="adapter pyjwt is"):
        merge_shards([load_results(first), Results(second, doc)])
