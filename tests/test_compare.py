"""``jwtbench compare``: golden files with known differences, the verb, and real runs."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jwtbench.adapters import ADAPTERS
from jwtbench.adapters.pyjwt import PyJWTAdapter
from jwtbench.analysis.compare import Comparison, compare_results, measured_rows, split_runs
from jwtbench.analysis.stats import MODE_FEW_RUNS, MODE_PAIRED, NO_CHANGE, REGRESSION
from jwtbench.cli import main as cli
from jwtbench.envs import lockstep
from jwtbench.measure.calibrate import measure_pair
from jwtbench.measure.matrix import PROFILES
from jwtbench.measure.merge import merge_rounds, stats_from_rounds
from jwtbench.measure.rounds import RunSelection
from jwtbench.model.cell import cell_key, cell_label
from jwtbench.model.results import Results, load_results, write_atomic
from jwtbench.present.compare import method_line, render_markdown, render_terminal
from jwtbench.present.fmt import format_seconds

DATA = Path(__file__).parent / "data" / "compare"
BASE = DATA / "base.json"
HEAD = DATA / "head.json"
# The three differences make_compare.py put into head.json.


def jws(adapter: str, alg: str, op: str, key_mode: str) -> dict[str, str]:
    return {"adapter": adapter, "alg": alg, "op": op, "key_mode": key_mode, "payload": "small"}


SLOWER = jws("pyjwt", "RS256", "sign", "prepared")
BIGGER = jws("jwcrypto", "HS256", "sign", "prepared")
REMOVED = jws("python-jose", "ES256", "verify", "raw")


@pytest.fixture
def jwtbench() -> Callable[..., int]:
    """``jwtbench ARGS...`` through jwtbench.cli.main.main (exit code returned)."""
    return lambda *argv: cli.main(list(argv))


def edited(path: Path, edit: Callable[[dict[str, Any]], None]) -> Results:
    raw = json.loads(path.read_text(encoding="utf-8"))
    edit(raw)
    return Results(path=None, raw=raw)


def scaled(path: Path, factor: float, adapter: str | None = None) -> dict[str, Any]:
    """The results file at ``path`` with every round ``factor`` times as long (a slower run).

    With ``adapter``, only that adapter's cells are kept (fewer cells: quicker tests).
    """
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if adapter is not None:
        raw["benchmarks"] = [b for b in raw["benchmarks"] if b["params"]["adapter"] == adapter]
        cells = raw["jwtbench"]["cells"]
        raw["jwtbench"]["cells"] = [c for c in cells if c["params"]["adapter"] == adapter]
    for bench in raw["benchmarks"]:
        data = [v * factor for v in bench["stats"]["data"]]
        bench["stats"] = stats_from_rounds(data, bench["stats"]["iterations"])
    return raw


# -- golden files ----------------------------------------------------------------


def test_golden_head_has_exactly_the_planted_differences() -> None:
    cmp = compare_results(load_results(BASE), load_results(HEAD))
    assert [c.params for c in cmp.regressions] == [SLOWER]
    assert cmp.improvements == []
    assert cmp.has_regression()
    slow = cmp.regressions[0].stats
    assert slow.ratio == pytest.approx(1.3, rel=1e-6)
    assert slow.ci_low > 1.05 and slow.p_value < 0.01
    assert [(c.params, c.base_bytes, c.head_bytes) for c in cmp.token_changes] == [
        (BIGGER, 351, 367)
    ]
    assert cmp.only_in_base == [REMOVED]
    assert cmp.only_in_head == []
    assert cmp.status_changes == []
    assert cmp.warnings == [] and cmp.info == []
    # every other ok cell is matched; the golden's "error" cell has no usable number
    assert len(cmp.cells) == 73
    assert {c.verdict for c in cmp.cells if c.params != SLOWER} == {NO_CHANGE}
    # one run a side: the stricter single-run rule (the CI clears 1 + threshold), and a note
    assert {(c.stats.mode, c.stats.base_runs, c.stats.head_runs) for c in cmp.cells} == {
        (MODE_FEW_RUNS, 1, 1)
    }
    assert slow.ci_low > 1.10
    [note] = cmp.notes
    assert "cannot separate machine drift from code changes" in note and "jwtbench ab" in note


def test_identical_files_compare_clean() -> None:
    cmp = compare_results(load_results(BASE), load_results(BASE))
    assert not cmp.has_regression()
    assert cmp.regressions == [] and cmp.improvements == []
    assert cmp.token_changes == [] and cmp.status_changes == []
    assert cmp.only_in_base == [] and cmp.only_in_head == []
    assert cmp.warnings == [] and cmp.info == []
    assert all(c.stats.ratio == 1.0 for c in cmp.cells)
    assert "0 regressions, 0 improvements, 74 without significant change" in cmp.summary()


def test_swapped_files_make_an_improvement() -> None:
    cmp = compare_results(load_results(HEAD), load_results(BASE))
    assert [c.params for c in cmp.improvements] == [SLOWER]
    assert cmp.regressions == [] and not cmp.has_regression()
    assert cmp.only_in_head == [REMOVED]


def test_terminal_table_lists_regressions_first_in_sensible_units() -> None:
    cmp = compare_results(load_results(BASE), load_results(HEAD))
    text = render_terminal(cmp)
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("cell "))
    assert "99% CI" in lines[header] and "runs" in lines[header] and "verdict" in lines[header]
    assert "runs per cell: base 1, head 1; single-run rule" in text
    assert "note: a single run on a side (every cell): a single-run comparison" in text
    first = lines[header + 2]
    assert first.startswith(cell_label(SLOWER)) and "REGRESSION" in first
    assert "1.30x" in first and " ms" in first and " 1/1 " in first
    assert "µs" in text
    assert "token size: jwcrypto HS256 sign prepared small: 351 -> 367 bytes (+16)" in text
    assert f"only in base: {cell_label(REMOVED)}" in text
    assert lines[-1].startswith("73 cells compared: 1 regression, 0 improvements")
    # aligned: the verdict column starts at the same offset on every table line
    table = [line for line in lines[header:] if "no significant change" in line]
    assert len({line.index("no significant change") for line in table}) == 1


def test_markdown_has_table_summary_and_findings() -> None:
    text = render_markdown(compare_results(load_results(BASE), load_results(HEAD)))
    assert "| cell | base | head | ratio | 99% CI | p | runs | verdict |" in text
    assert "| --- | ---: | ---: | ---: | --- | ---: | ---: | --- |" in text
    assert "runs per cell: base 1, head 1; single-run rule" in text
    assert "> **Note:** a single run on a side (every cell)" in text
    assert f"| {cell_label(SLOWER)} | " in text and "**regression**" in text
    assert "1 regression, 0 improvements, 72 without significant change" in text
    assert "| jwcrypto HS256 sign prepared small | 351 | 367 | +16 |" in text
    assert f"`{cell_label(REMOVED)}`" in text
    assert "<details>" in text and "</details>" in text


def test_different_machines_warn_and_version_changes_are_listed() -> None:
    def elsewhere(raw: dict[str, Any]) -> None:
        prov = raw["jwtbench"]["provenance"]
        prov |= {"cpu": "Intel Xeon", "python": "3.12.4", "machine_id": "Linux-CPython-3.12-64bit"}
        prov["versions"]["pyjwt"] = "2.10.1"
        prov["openssl"] = "OpenSSL 3.0.2 15 Mar 2022"

    cmp = compare_results(load_results(BASE), edited(BASE, elsewhere))
    [warning] = cmp.warnings
    assert warning.startswith("comparing results from different machines: ")
    assert "cpu AMD EPYC vs Intel Xeon" in warning and "python 3.11.7 vs 3.12.4" in warning
    assert "pyjwt 2.15.1 -> 2.10.1" in cmp.info
    assert any("OpenSSL 3.0.2" in line for line in cmp.info)
    text = render_markdown(cmp)
    assert (
        "comparing results from different machines" in text and "`pyjwt 2.15.1 -> 2.10.1`" in text
    )
    assert "warning: comparing results from different machines" in render_terminal(cmp)


def test_a_cell_that_now_fails_is_a_status_change_and_fails_the_gate() -> None:
    def break_one(raw: dict[str, Any]) -> None:
        for cell in raw["jwtbench"]["cells"]:
            if cell["params"] == BIGGER:
                cell |= {"status": "invalid", "reason": "GateFailure: forged token accepted"}
        raw["benchmarks"] = [b for b in raw["benchmarks"] if b["params"] != BIGGER]

    cmp = compare_results(load_results(BASE), edited(BASE, break_one))
    [change] = cmp.status_changes
    assert (change.params, change.base_status, change.head_status) == (BIGGER, "ok", "invalid")
    assert change.broken and cmp.broken == [change]
    assert cmp.regressions == [] and cmp.has_regression()
    assert cmp.only_in_base == []  # explained by its status, not missing
    assert "BROKEN status: jwcrypto HS256 sign prepared small: ok -> invalid" in render_terminal(
        cmp
    )


def test_cell_key_is_canonical_and_labels_are_distinct() -> None:
    a = {"op": "sign", "adapter": "pyjwt", "alg": "HS256", "key_mode": "raw", "payload": "small"}
    assert cell_key(a) == cell_key(dict(reversed(list(a.items()))))
    jwe = {"adapter": "jwcrypto", "alg": "dir", "enc": "A256GCM", "op": "encrypt",
           "key_mode": "prepared", "payload": "small"}  # fmt: skip
    nested = {**jwe, "sig_alg": "ES256", "op": "sign_encrypt"}
    assert cell_label(jwe) == "jwcrypto dir/A256GCM encrypt prepared small"
    assert cell_label(nested) == "jwcrypto ES256+dir/A256GCM sign_encrypt prepared small"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (8.123e-7, "812 ns"),
        (3.4812e-5, "34.8 µs"),
        (9.99e-4, "999 µs"),
        (1.3e-3, "1.30 ms"),
        (0.0612, "61.2 ms"),
        (2.5, "2.50 s"),
    ],
)
def test_format_seconds_picks_a_unit(seconds: float, text: str) -> None:
    assert format_seconds(seconds) == text


# -- the verb --------------------------------------------------------------------


def test_verb_exit_codes_and_markdown(
    jwtbench: Callable[..., int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    md = tmp_path / "out" / "compare.md"
    assert jwtbench("compare", str(BASE), str(HEAD), "--markdown", str(md)) == 1
    out = capsys.readouterr().out
    assert "REGRESSION" in out and f"markdown: {md}" in out
    assert "| cell | base | head | ratio |" in md.read_text(encoding="utf-8")
    assert jwtbench("compare", str(BASE), str(HEAD), "--fail-on", "never") == 0
    assert jwtbench("compare", str(BASE), str(BASE)) == 0
    # a 40% threshold: the 30% slowdown is no longer material
    assert jwtbench("compare", str(BASE), str(HEAD), "--threshold", "0.4") == 0


def test_verb_user_errors_exit_2(
    jwtbench: Callable[..., int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.json"
    assert jwtbench("compare", str(BASE), str(missing)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{missing}: no such results file" in err
    with pytest.raises(SystemExit) as exc:
        jwtbench("compare", str(BASE), str(HEAD), "--alpha", "2")
    assert exc.value.code == 2
    assert "must be between 0 and 1" in capsys.readouterr().err


# -- runs ------------------------------------------------------------------------

#: Per-run machine speed for pooled files: runs 25% apart, as on a shared VM.
DRIFT_BASE = (1.0, 1.25, 0.85)
DRIFT_HEAD = (1.25, 0.9, 1.1)


#: The runs tests use the 16 pyjwt cells of the golden files (the planted
#: 1.3x slowdown among them), not all 74: same logic, a fifth of the time.
ADAPTER = "pyjwt"


def write_runs(folder: Path, source: Path, factors: tuple[float, ...], tag: str) -> list[Path]:
    paths = []
    for index, factor in enumerate(factors):
        path = folder / f"{tag}{index}.json"
        write_atomic(path, scaled(source, factor, ADAPTER))
        paths.append(path)
    return paths


def test_split_runs_follows_merged_runs() -> None:
    golden = json.loads(BASE.read_text(encoding="utf-8"))
    merged = Results(path=None, raw=merge_rounds([golden, scaled(BASE, 2.0)], label="m"))
    for row in measured_rows(merged).values():
        first, second = split_runs(row)
        assert second == tuple(2 * v for v in first)
    row = next(iter(measured_rows(load_results(BASE)).values()))
    assert split_runs(row) == [row.data]  # a plain file: one run
    for sizes in ([3, 3], [len(row.data) - 1, 0, 1], "x", [len(row.data), True]):
        odd = dataclasses.replace(row, extra_info={"merged_runs": sizes})
        runs = split_runs(odd)
        if sizes == [len(row.data) - 1, 0, 1]:
            assert [len(r) for r in runs] == [len(row.data) - 1, 1]  # the empty run dropped
        else:
            assert runs == [row.data]  # not adding up: one run, the conservative reading


def test_single_runs_drift_is_flagged_but_pooled_runs_are_not(
    jwtbench: Callable[..., int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same code, runs 0.85x-1.25x apart: one pair of runs 'regresses', three a side do not."""
    base = write_runs(tmp_path, BASE, DRIFT_BASE, "base")
    head = write_runs(tmp_path, BASE, DRIFT_HEAD, "head")
    single = compare_results(load_results(base[0]), load_results(head[0]))
    assert len(single.regressions) >= 6  # of 16 cells: a 1.25x slower moment of the machine
    assert {c.stats.mode for c in single.cells} == {MODE_FEW_RUNS}

    code = jwtbench(
        "compare", str(base[0]), str(head[0]),
        "--base-extra", *map(str, base[1:]), "--head-extra", str(head[1]), "--head-extra",
        str(head[2]),
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert f"base: {base[0]}, {base[1]}, {base[2]}" in out
    assert "runs per cell: base 3, head 3; run-level test (Welch t-test" in out
    assert "16 cells compared: 0 regressions, 0 improvements, 16 without" in out
    assert "note:" not in out and "warning:" not in out and out.count(" 3/3 ") == 16


def test_a_steady_slowdown_across_runs_is_flagged() -> None:
    """Runs that agree within 2%: the planted 1.3x stands out from the run-to-run spread."""
    base = [Results(None, scaled(BASE, f, ADAPTER)) for f in (1.0, 1.02, 0.99, 1.01)]
    head = [Results(None, scaled(HEAD, f, ADAPTER)) for f in (1.01, 0.99, 1.0, 1.02)]
    cmp = compare_results(base, head)
    assert (cmp.base_files, cmp.head_files) == (4, 4)
    assert [c.params for c in cmp.regressions] == [SLOWER]
    assert cmp.regressions[0].stats.ratio == pytest.approx(1.3, rel=0.03)
    assert cmp.improvements == [] and cmp.notes == []


def test_merged_files_are_compared_run_by_run() -> None:
    def merged(source: Path, factors: tuple[float, ...]) -> Results:
        return Results(None, merge_rounds([scaled(source, f, ADAPTER) for f in factors], label="m"))

    cmp = compare_results(merged(BASE, DRIFT_BASE), merged(BASE, DRIFT_HEAD))
    assert cmp.regressions == [] and cmp.improvements == []
    assert {(c.stats.base_runs, c.stats.head_runs) for c in cmp.cells} == {(3, 3)}
    # one merged side and one plain file: 3 runs against 1, the single-run rule
    mixed = compare_results(merged(BASE, DRIFT_BASE), Results(None, scaled(HEAD, 1.0, ADAPTER)))
    assert {c.stats.mode for c in mixed.cells} == {MODE_FEW_RUNS}
    assert method_line(mixed).startswith("runs per cell: base 3, head 1; single-run rule")
    [note] = mixed.notes
    assert note.startswith("a single run on a side (every cell)")


def test_mixed_modes_are_counted_in_the_method_line() -> None:
    def drop_runs(raw: dict[str, Any]) -> None:
        bench = raw["benchmarks"][0]  # this cell was measured in one run only
        bench["extra_info"]["merged_runs"] = [len(bench["stats"]["data"])]

    raw = merge_rounds([scaled(BASE, f, ADAPTER) for f in DRIFT_BASE], label="m")
    drop_runs(raw)
    head = Results(None, merge_rounds([scaled(BASE, f, ADAPTER) for f in DRIFT_HEAD], label="m"))
    cmp = compare_results(Results(None, raw), head)
    line = method_line(cmp)
    assert line.startswith("runs per cell: base 1-3, head 3; 15 cells run-level")
    assert "1 cell single-run" in line
    [note] = cmp.notes
    assert note.startswith("a single run on a side (1 cell)")


def test_extra_files_from_elsewhere_are_warned_about(tmp_path: Path) -> None:
    def elsewhere(raw: dict[str, Any]) -> None:
        raw["jwtbench"]["provenance"]["machine_id"] = "Linux-CPython-3.12-64bit"
        raw["jwtbench"]["provenance"]["versions"]["pyjwt"] = "2.10.1"
        raw["jwtbench"]["profile"] = "full"
        raw["jwtbench"]["interrupted"] = True

    first = scaled(BASE, 1.0, ADAPTER)
    other = json.loads(json.dumps(first))
    elsewhere(other)
    cmp = compare_results([Results(None, first), Results(None, other)], Results(None, first))
    assert cmp.warnings == [
        "base file quick comes from another machine or Python than the first",
        "base file quick used another profile than the first",
        "base file quick has other versions: pyjwt 2.15.1 -> 2.10.1",
        "the base run quick was interrupted: its unfinished cells are missing",
    ]
    assert isinstance(cmp, Comparison) and cmp.base_files == 2
    path = tmp_path / "head.json"
    write_atomic(path, scaled(HEAD, 1.0, ADAPTER))
    twice = compare_results(Results(None, first), [load_results(path), load_results(path)])
    assert twice.warnings == [
        f"head file {path.resolve()} is given 2 times: its runs count as many"
    ]


def test_a_cell_failing_in_any_pooled_file_is_a_status_change() -> None:
    def break_one(raw: dict[str, Any]) -> None:
        for cell in raw["jwtbench"]["cells"]:
            if cell["params"] == BIGGER:
                cell |= {"status": "error", "reason": "RuntimeError: flaky"}

    cmp = compare_results(load_results(BASE), [load_results(BASE), edited(BASE, break_one)])
    [change] = cmp.status_changes
    assert (change.params, change.head_status, change.reason) == (
        BIGGER,
        "error",
        "RuntimeError: flaky",
    )
    assert BIGGER not in [c.params for c in cmp.cells] and cmp.has_regression()


# -- real runs ---------------------------------------------------------------------

#: Four cells: pyjwt (slowed on the head side) and the floor (never slowed, so
#: its two cells are a same-code comparison measured alongside).
SELECTION = RunSelection.parse(
    adapters="pyjwt,floor", algs="HS256", ops="sign,verify", key_modes="prepared"
)
SLOWED = [jws("pyjwt", "HS256", op, "prepared") for op in ("sign", "verify")]
SAME = [jws("floor", "HS256", op, "prepared") for op in ("sign", "verify")]
#: Lockstep rounds, and the injected slowdown (1 + SLOW_FACTOR = 4x).
#:
#: measure_pair(interleave=True) runs base and head exactly as `jwtbench ab`
#: does: two `jwtbench run` processes pinned to one CPU, taking turns every
#: ~5 ms burst (jwtbench.envs.lockstep), compared burst pair by pair (jwtbench.analysis.stats,
#: mode "paired"). Measured here with `jwtbench calibrate` (see the README),
#: identical code flagged no cell and 1.2x was caught in every trial, so 4x
#: leaves a wide margin: this fails only if a floor cell is flagged, i.e.
#: together with the same-code test.
#:
#: Two rounds of four cells: ~20 s here.
ROUNDS = 2
SLOW_FACTOR = 3.0
QUICK = PROFILES["quick"]


@pytest.fixture(scope="module")
def real() -> Comparison:
    """Base against pyjwt 4x slower: 2 lockstep rounds, merged and compared."""
    base, head = measure_pair(
        slowed_adapter="pyjwt",
        factor=SLOW_FACTOR,
        rounds=ROUNDS,
        interleave=True,
        selection=SELECTION,
    )
    assert ADAPTERS["pyjwt"] is PyJWTAdapter  # the slowdown is undone
    return compare_results(base, head)


def test_real_runs_of_the_same_code_do_not_regress(real: Comparison) -> None:
    assert sorted(cell_label(c.params) for c in real.cells) == sorted(
        cell_label(p) for p in [*SLOWED, *SAME]
    )
    for cell in real.cells:
        assert (cell.stats.mode, cell.stats.base_runs, cell.stats.head_runs) == (
            MODE_PAIRED,
            ROUNDS,
            ROUNDS,
        )
        assert cell.stats.base_rounds >= lockstep.BURSTS * ROUNDS
    assert real.warnings == [] and real.token_changes == [] and real.status_changes == []
    assert real.notes == []
    same = [c for c in real.cells if c.params in SAME]
    assert [c.verdict for c in same if c.verdict == REGRESSION] == [], render_terminal(real)


def test_a_4x_slower_pyjwt_is_flagged_for_exactly_its_cells(real: Comparison) -> None:
    flagged = sorted(cell_label(c.params) for c in real.regressions)
    assert flagged == sorted(cell_label(p) for p in SLOWED), render_terminal(real)
    assert all(c.stats.ratio > 2.0 for c in real.regressions)


# -- defect 12b: cells present on one side only are summarised -------------------------


def test_only_in_head_is_summarised_unless_verbose(tmp_path: Path) -> None:
    def keep_few(raw: dict[str, Any]) -> None:
        raw["benchmarks"] = raw["benchmarks"][:5]
        kept = {json.dumps(b["params"], sort_keys=True) for b in raw["benchmarks"]}
        cells = raw["jwtbench"]["cells"]
        raw["jwtbench"]["cells"] = [
            c for c in cells if json.dumps(c["params"], sort_keys=True) in kept
        ]

    small = edited(BASE, keep_few)
    cmp = compare_results(small, load_results(BASE))
    extra = cmp.only_in_head
    assert len(extra) > 60
    text = render_terminal(cmp)
    lines = [line for line in text.splitlines() if line.startswith("only in head")]
    assert len(lines) == 1
    [line] = lines
    assert f"{len(extra)} cells" in line and "adapter: " in line and "family: jws" in line
    assert "e.g. " + cell_label(extra[0]) in line and "--verbose" in line
    verbose = render_terminal(cmp, verbose=True)
    assert sum(line.startswith("only in head: ") for line in verbose.splitlines()) == len(extra)
    markdown = render_markdown(cmp)
    assert all(f"`{cell_label(p)}`" in markdown for p in extra)
    summary = cmp.one_sided("head")
    assert sum(n for _, n in dict(summary.counts)["adapter"]) == len(extra)
