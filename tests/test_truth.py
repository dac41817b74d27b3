"""tools/truth.py: its pre-timing check refuses what the harness's gate refuses; it reads the file.

No timing here (that is the tool's run, not a unit test): the check, the
file's ratios, the order-statistic interval and the refusals of bad input.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from jwtbench.adapters.keys import jws_key, load_claims
from jwtbench.model.results import load_results

DATA = Path(__file__).parent / "data"
TOOL = Path(__file__).parent.parent / "tools" / "truth.py"


@pytest.fixture(scope="module")
def truth() -> ModuleType:
    spec = importlib.util.spec_from_file_location("truth_tool", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["truth_tool"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_pyjwt_calls_pass_the_check_and_a_lax_verifier_does_not(truth: ModuleType) -> None:
    claims, material = load_claims("small"), jws_key("HS256")
    floor = truth.floor_for("HS256", material, claims)
    sign, verify = truth.LIBRARIES["pyjwt"]("HS256", material)
    token = truth.check(sign, verify, floor, "HS256", claims)
    assert floor.verify(token) == claims

    def lax(token: str) -> dict[str, Any]:
        return dict(claims)  # accepts anything: a flipped signature too

    with pytest.raises(truth.Refused, match="flipped signature"):
        truth.check(sign, lax, floor, "HS256", claims)
    with pytest.raises(truth.Refused, match="header alg"):
        truth.check(truth.LIBRARIES["pyjwt"]("HS384", jws_key("HS384"))[0], verify, floor,
                    "HS256", claims)  # fmt: skip


def test_file_ratio_reads_the_paired_over_floor(truth: ModuleType) -> None:
    results = load_results(DATA / "golden_paired.json")
    text, value = truth.file_ratio(results, "pyjwt", "HS256", "sign")
    assert value is not None and text.startswith(f"{value:.2f} [")
    old, unpaired = truth.file_ratio(load_results(DATA / "golden_quick.json"), "pyjwt", "HS256",
                                     "sign")  # fmt: skip
    assert old.endswith("(unpaired)") and unpaired is not None
    assert truth.file_ratio(results, "nosuch", "HS256", "sign") == ("not in file", None)


def test_median_interval_holds_the_median(truth: ModuleType) -> None:
    values = [float(v) for v in range(1, 41)]
    low, high = truth.median_ci(values)
    assert low < truth.median(values) < high
    assert (low, high) == (14.0, 27.0)  # binomial order statistics for n = 40


def test_bad_input_is_one_line_and_exit_2(
    truth: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert truth.main([str(tmp_path / "missing.json")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    with pytest.raises(SystemExit) as exc:
        truth.main([str(DATA / "golden_paired.json"), "--libs", "nope"])
    assert exc.value.code == 2


def test_another_library_version_in_the_file_is_named(truth: ModuleType) -> None:
    results = load_results(DATA / "golden_paired.json")
    results.meta["adapters"]["pyjwt"]["version"] = "0.0.1"
    assert truth.version_mismatch(results, "pyjwt").startswith("pyjwt: file 0.0.1, here ")
    assert truth.version_mismatch(results, "nosuch") == ""
