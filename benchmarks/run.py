"""Benchmarks: the book's code, samlib's speed, explorer latency, build and test time.

Run from the repository's root (after `pip install -r requirements.txt`):

    python benchmarks/run.py            # everything (a few minutes)
    python benchmarks/run.py --only code steps explorers

It prints one table per measurement, each number beside its target with MET / MISSED:

* code: statistics of the chapters' code cells (the lecture-like notebooks of
  issue 15: short cells, little code, no mathematics defined in a notebook);
* steps: a runner's cost per step on a 2-D loss against a plain numpy loop doing
  the same arithmetic (samlib checks its inputs once, then iterates kernels);
* throughput: batched SAM over 100,000 starts against a Python loop and one pass
  over memory;
* explorers: every explorer's median update (recompute and redraw) and the
  notebooks' execution time and peak memory;
* build: a clean build of the book as `make book` runs it (the notebooks executed on
  every core, then the pages rendered; jupyter-book's serial execution alongside for
  comparison), a rebuild after editing one chapter, and the everyday test run
  (`make test`).

Comparisons are ratios measured in the same run, since absolute times vary between
machines. Times are wall-clock; on a machine shared with other work they are
inflated, so the build and test rows also give the CPU time of the processes.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"

TARGETS = {
    "explorer_ms": 30.0,
    "clean_build_s": 60.0,
    "tests_s": 60.0,
    "rebuild_s": 20.0,
    "speedup_vs_loop": 100.0,
    "ratio_to_floor": 4.0,
    "step_vs_numpy": 1.5,
    # the chapters' code cells (issue 15), lines of code = non-blank, non-comment
    "median_cell_lines": 6,
    "share_over_15": 0.15,
    "longest_cell": 40,
    "total_lines": 1570,  # half of the 3,141 lines the chapters held
    "math_functions": 0,
}


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    print(f"\n## {title}\n")
    print(
        "| "
        + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
        + " |"
    )
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        cells = (str(c).ljust(w) for c, w in zip(row, widths, strict=True))
        print("| " + " | ".join(cells) + " |")


def notebooks_in_toc_order() -> list[Path]:
    sys.path.insert(0, str(ROOT / "tests"))
    from _helpers import book_notebooks

    return book_notebooks(ROOT)


# --------------------------------------------------------------------------- code
DRAWING = re.compile(
    r"\b(ax|axes|fig|plt|Explorer|display|glue|Markdown|HTML|jshtml_sweep)\b|"
    r"\bplotting\.(show|draw|plot|move)_\w+\(|"
    r"\.(set_\w+|plot|semilogy|semilogx|imshow|contourf?|legend|annotate)\("
)
NUMERIC = re.compile(r"\b(np|math|samlib|proof|run_\w+|[a-z_]*loss)\b")


def code_cells() -> list[tuple[str, str]]:
    """``(chapter, source)`` of every code cell of the chapters (``book/*.ipynb``)."""
    import nbformat

    cells = []
    for path in sorted(BOOK.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cells += [(path.stem, c.source) for c in nb.cells if c.cell_type == "code"]
    return cells


def lines_of_code(source: str) -> int:
    """Non-blank lines that are not only a comment."""
    return sum(
        1
        for line in source.splitlines()
        if line.strip() and not line.strip().startswith("#")
    )


def defined_functions(cells) -> list[tuple[str, str, bool]]:
    """``(chapter, name, computes)`` for each function a code cell defines.

    ``computes`` is a heuristic: the function uses numpy, math or samlib and draws
    nothing (no axes, figure, explorer or display call). Read the names it lists.
    """
    import ast

    found = []
    for chapter, source in cells:
        try:
            tree = ast.parse(source)
        except SyntaxError:  # IPython magics
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                body = ast.get_source_segment(source, node) or ""
                computes = bool(NUMERIC.search(body)) and not DRAWING.search(body)
                found.append((chapter, node.name, computes))
    return found


def bench_code() -> dict:
    """Statistics of the chapters' code cells against the targets of issue 15."""
    cells = code_cells()
    sizes = np.array([lines_of_code(source) for _, source in cells])
    longest = int(np.argmax(sizes))
    functions = defined_functions(cells)
    computing = [
        f"{chapter}.{name}" for chapter, name, computes in functions if computes
    ]
    median = float(np.median(sizes))
    share = float(np.mean(sizes > 15))
    result = {
        "total": int(sizes.sum()),
        "median": median,
        "share_over_15": share,
        "longest": int(sizes[longest]),
        "functions": len(functions),
        "computing": computing,
    }
    table(
        f"The chapters' code ({len(cells)} code cells of book/*.ipynb; lines of "
        "code = non-blank, non-comment)",
        ["measure", "value", "target", ""],
        [
            [
                "lines of code, total",
                f"{result['total']:,}",
                f"<= {TARGETS['total_lines']:,}",
                verdict(result["total"] <= TARGETS["total_lines"]),
            ],
            [
                "median lines per cell",
                f"{median:g}",
                f"<= {TARGETS['median_cell_lines']}",
                verdict(median <= TARGETS["median_cell_lines"]),
            ],
            [
                "cells over 15 lines",
                f"{share:.0%} ({int(np.sum(sizes > 15))})",
                f"<= {TARGETS['share_over_15']:.0%}",
                verdict(share <= TARGETS["share_over_15"]),
            ],
            [
                "longest cell",
                f"{result['longest']} lines ({cells[longest][0]})",
                f"<= {TARGETS['longest_cell']}",
                verdict(result["longest"] <= TARGETS["longest_cell"]),
            ],
            [
                "cells over 40 lines",
                f"{int(np.sum(sizes > 40))}",
                "0",
                verdict(not np.any(sizes > 40)),
            ],
            ["functions defined in notebooks", f"{len(functions)}", "", ""],
            [
                "of which compute mathematics (heuristic)",
                f"{len(computing)}",
                f"{TARGETS['math_functions']}",
                verdict(len(computing) <= TARGETS["math_functions"]),
            ],
        ],
    )
    if computing:
        print("\nFunctions that compute and draw nothing (to move to samlib):")
        print(textwrap.fill(", ".join(computing), width=88))
    return result


# -------------------------------------------------------------------------- steps
# The same arithmetic as samlib's runners on the product loss ½(xy - 1)², written as
# a plain numpy loop: what a reader would write without samlib.


def _product_grad(w):
    x, y = w
    r = x * y - 1
    return np.array((r * y, r * x))


def plain_sam(w0, eta, rho, n):
    path = np.empty((n + 1, 2))
    path[0] = w = np.array(w0, dtype=float)
    for t in range(n):
        g = _product_grad(w)
        w = w - eta * _product_grad(w + rho * g / np.sqrt(g @ g))
        path[t + 1] = w
    return path


def plain_usam(w0, eta, rho, n):
    path = np.empty((n + 1, 2))
    path[0] = w = np.array(w0, dtype=float)
    for t in range(n):
        w = w - eta * _product_grad(w + rho * _product_grad(w))
        path[t + 1] = w
    return path


def plain_gd(w0, eta, n):
    path = np.empty((n + 1, 2))
    path[0] = w = np.array(w0, dtype=float)
    for t in range(n):
        w = w - eta * _product_grad(w)
        path[t + 1] = w
    return path


def plain_momentum_sam(w0, eta, rho, beta, n):
    path = np.empty((n + 1, 2))
    path[0] = w = np.array(w0, dtype=float)
    m = np.zeros(2)
    for t in range(n):
        g = _product_grad(w)
        m = beta * m + _product_grad(w + rho * g / np.sqrt(g @ g))
        w = w - eta * m
        path[t + 1] = w
    return path


def bench_steps(n: int = 2000, repeats: int = 7) -> dict:
    """A runner's time per step on a 2-D loss against the plain numpy loop."""
    import samlib
    from samlib.objectives import product_loss
    from samlib.variants import run_momentum_sam

    loss = product_loss()
    w0, eta, rho, beta = (3.0, 0.5), 0.1, 0.1, 0.5
    pairs = {
        "run_sam": (
            lambda: samlib.run_sam(loss.grad, w0, eta, rho, n),
            lambda: plain_sam(w0, eta, rho, n),
        ),
        "run_usam": (
            lambda: samlib.run_usam(loss.grad, w0, eta, rho, n),
            lambda: plain_usam(w0, eta, rho, n),
        ),
        "run_gd": (
            lambda: samlib.run_gd(loss.grad, w0, eta, n),
            lambda: plain_gd(w0, eta, n),
        ),
        "run_momentum_sam": (
            lambda: run_momentum_sam(loss.grad, w0, eta, rho, beta, n),
            lambda: plain_momentum_sam(w0, eta, rho, beta, n),
        ),
    }

    def best(fn):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times) / n

    rows, ratios = [], {}
    for name, (library, plain) in pairs.items():
        np.testing.assert_allclose(library(), plain(), rtol=1e-12, atol=1e-14)
        lib, ref = best(library), best(plain)
        ratios[name] = lib / ref
        rows.append(
            [
                name,
                f"{lib * 1e6:.1f} µs",
                f"{ref * 1e6:.1f} µs",
                f"{lib / ref:.2f}x",
                f"<= {TARGETS['step_vs_numpy']}x",
                verdict(lib / ref <= TARGETS["step_vs_numpy"]),
            ]
        )
    table(
        f"Runner cost per step on ½(xy − 1)² (one start, {n:,} steps, best of "
        f"{repeats}) against a plain numpy loop of the same arithmetic",
        ["runner", "samlib", "numpy loop", "ratio", "target", ""],
        rows,
    )
    return ratios


# --------------------------------------------------------------------------- throughput
def bench_throughput(n: int = 100_000, d: int = 10, repeats: int = 7) -> dict:
    """Batched `sam_step` vs a per-trajectory Python loop vs one read-write pass."""
    import samlib

    rng = np.random.default_rng(0)
    lams = np.sort(rng.uniform(0.1, 1.0, d))[::-1]
    quad = samlib.Quadratic(lams)
    w = rng.standard_normal((n, d))
    eta, rho = 0.2, 0.5

    def best(fn, reps=repeats):
        times = []
        for _ in range(reps):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times)

    batched = best(lambda: samlib.sam_step(w, quad.grad, eta, rho))

    subset = 2_000

    def loop():  # the formula of eq. (2) written per trajectory
        for row in w[:subset]:
            g = lams * row
            ascent = row + rho * g / np.sqrt(np.sum(g * g))
            _ = row - eta * (lams * ascent)

    def library_loop():  # samlib's own step called once per trajectory
        for row in w[: subset // 4]:
            samlib.sam_step(row, quad.grad, eta, rho)

    loop_total = best(loop, reps=3) / subset * n
    library_loop_total = best(library_loop, reps=3) / (subset // 4) * n
    out = np.empty_like(w)
    floor = best(lambda: np.multiply(w, 1.0, out=out))
    numpy_bound = best(lambda: fewest_numpy_passes(w, lams, eta, rho, out))
    reference = samlib.sam_step(w, quad.grad, eta, rho)
    assert np.allclose(fewest_numpy_passes(w, lams, eta, rho, out), reference)
    result = {
        "batched_s": batched,
        "loop_s": loop_total,
        "library_loop_s": library_loop_total,
        "floor_s": floor,
        "numpy_bound_s": numpy_bound,
        "speedup": loop_total / batched,
        "ratio_to_floor": batched / floor,
    }
    table(
        f"Batched SAM throughput (quadratic, d = {d}, n = {n:,} starts, one step)",
        ["method", "time per step", "ratio", "target", ""],
        [
            ["samlib.sam_step (batched)", f"{batched * 1e3:.2f} ms", "1", "", ""],
            [
                "Python loop per trajectory",
                f"{loop_total * 1e3:.0f} ms (scaled from {subset:,})",
                f"{result['speedup']:.0f}x slower",
                f">= {TARGETS['speedup_vs_loop']:.0f}x",
                verdict(result["speedup"] >= TARGETS["speedup_vs_loop"]),
            ],
            [
                "samlib.sam_step per trajectory",
                f"{library_loop_total * 1e3:.0f} ms (scaled from {subset // 4:,})",
                f"{library_loop_total / batched:.0f}x slower",
                "",
                "",
            ],
            [
                "floor: one read+write pass",
                f"{floor * 1e3:.2f} ms",
                f"sam_step = {result['ratio_to_floor']:.1f}x floor",
                f"<= {TARGETS['ratio_to_floor']:.0f}x",
                verdict(result["ratio_to_floor"] <= TARGETS["ratio_to_floor"]),
            ],
            [
                "numpy bound: eq. (2)'s 7 passes",
                f"{numpy_bound * 1e3:.2f} ms",
                f"{numpy_bound / floor:.1f}x floor; "
                f"sam_step = {batched / numpy_bound:.1f}x bound",
                "",
                "",
            ],
        ],
    )
    if result["ratio_to_floor"] > TARGETS["ratio_to_floor"]:
        print(
            "\nWhy the floor target is missed: one SAM step needs at least 7 "
            "elementwise passes over the\nbatch in numpy (two gradients Λw, the norm "
            "reduction, the scaling by ρ/‖∇ℓ‖, the addition,\nthe scaling by η and the "
            "subtraction). Done blockwise in cache with no allocations, those\npasses "
            "alone take the 'numpy bound' above; sam_step also checks its inputs "
            "once and calls\nthe loss's gradient kernel twice. A fused kernel (C, "
            "numba) would be needed for 4x the\nfloor; samlib stays pure numpy."
        )
    return result


def fewest_numpy_passes(w, lams, eta, rho, out):
    """Eq. (2) on a diagonal quadratic with the fewest numpy passes, in cache blocks.

    The same arithmetic as ``sam_step(w, Quadratic(lams).grad, eta, rho)`` with no
    validation, no allocation and no function calls: the best numpy can do.
    """
    from samlib._runner import BLOCK_ELEMENTS

    rows = max(1, BLOCK_ELEMENTS // w.shape[1])
    g = np.empty((rows, w.shape[1]))
    norms = np.empty(rows)
    for start in range(0, len(w), rows):
        x, o = w[start : start + rows], out[start : start + rows]
        k = len(x)
        np.multiply(x, lams, out=g[:k])  # 1: ∇ℓ(w) = Λw
        np.einsum("ij,ij->i", g[:k], g[:k], out=norms[:k])  # 2: ‖∇ℓ(w)‖²
        np.sqrt(norms[:k], out=norms[:k])
        np.divide(rho, norms[:k], out=norms[:k])
        np.multiply(g[:k], norms[:k, None], out=g[:k])  # 3: ρ∇ℓ/‖∇ℓ‖
        np.add(x, g[:k], out=g[:k])  # 4: ascent point
        np.multiply(g[:k], lams, out=g[:k])  # 5: ∇ℓ at the ascent point
        np.multiply(g[:k], eta, out=g[:k])  # 6
        np.subtract(x, g[:k], out=o)  # 7
    return out


# ------------------------------------------------------------------ explorers & memory
PROBE = r"""
import time as _t, io as _io, statistics as _st, resource as _res
from samlib.widgets import Explorer as _Explorer
import matplotlib as _mpl
_results = []
for _name, _obj in list(globals().items()):
    if not isinstance(_obj, _Explorer):
        continue
    _times, _computes, _cpus = [], [], []
    _keys = list(_obj.controls)
    for _k in range(12):
        # a different slider position each time, as the widget sends it
        _key = _keys[_k % len(_keys)]
        _c = _obj.controls[_key]
        _grid = _c.positions()
        _v = _grid[int(round(((0.15 + 0.61 * _k) % 1) * (len(_grid) - 1)))]
        _v = int(_v) if _c.integer else float(_v)
        _start, _cpu = _t.perf_counter(), _t.process_time()
        _obj.update(**{_key: _v})
        _computed = _t.process_time()
        _obj.render()  # the PNG that the live widget displays
        _times.append(_t.perf_counter() - _start)
        _cpus.append(_t.process_time() - _cpu)
        _computes.append(_computed - _cpu)
    _results.append((
        _name, _st.median(_times[2:]), _st.median(_cpus[2:]),
        _st.median(_computes[2:]), _obj.ok,
    ))
print("EXPLORERS", _results)
print("MAXRSS_KB", _res.getrusage(_res.RUSAGE_SELF).ru_maxrss)
"""


def bench_notebooks() -> dict:
    """Execute each notebook, then time every Explorer in it and read peak memory."""
    import nbformat
    from nbclient import NotebookClient

    rows, mem_rows, latencies, peaks = [], [], [], []
    for path in notebooks_in_toc_order():
        nb = nbformat.read(path, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(PROBE))
        client = NotebookClient(
            nb,
            timeout=600,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        )
        start = time.perf_counter()
        client.execute()
        elapsed = time.perf_counter() - start
        text = "".join(
            o.get("text", "") for o in nb.cells[-1].outputs if o.get("name") == "stdout"
        )
        explorers, maxrss = [], 0
        for line in text.splitlines():
            if line.startswith("EXPLORERS"):
                explorers = eval(line[len("EXPLORERS") :])
            if line.startswith("MAXRSS_KB"):
                maxrss = int(line.split()[1])
        for name, wall, cpu, compute, ok in explorers:
            latencies.append(cpu * 1e3)
            rows.append(
                [
                    path.stem,
                    name,
                    f"{cpu * 1e3:.1f} ms ({wall * 1e3:.0f} ms)",
                    f"{compute * 1e3:.1f} ms",
                    f"<= {TARGETS['explorer_ms']:.0f} ms",
                    verdict(cpu * 1e3 <= TARGETS["explorer_ms"])
                    + ("" if ok else " (message)"),
                ]
            )
        peaks.append(maxrss)
        mem_rows.append([path.stem, f"{elapsed:.1f} s", f"{maxrss / 1024:.0f} MiB"])
    table(
        "Explorer latency (median of 10 updates: recompute + redraw to the PNG shown; "
        "CPU time of the kernel, wall time in brackets, judged on the CPU time since "
        "other work on the machine inflates the wall time)",
        ["notebook", "explorer", "median update", "of which compute", "target", ""],
        rows,
    )
    for row in rows:
        if row[-1].startswith("MISSED"):
            print(
                f"\n{row[0]} {row[1]}: {row[3]} of its {row[2].split()[0]} ms is "
                "computing the runs it draws; the rest is drawing (legends, text) and "
                "PNG encoding."
            )
    table(
        "Notebook execution and peak memory (kernel max RSS)",
        ["notebook", "execution", "peak memory"],
        mem_rows,
    )
    return {"latencies_ms": latencies, "peak_kb": max(peaks, default=0)}


# ------------------------------------------------------------------ build and tests
def run(cmd: list[str]) -> tuple[float, float]:
    """Run ``cmd`` in the repository; its wall time and the CPU time of its
    processes in seconds, or its output if it fails."""
    env = {"BOOK_REPOSITORY_URL": "https://github.com/example/sam-dynamics-book"}
    env = {**env, **os.environ}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(
            f"{' '.join(cmd)} failed ({done.returncode}):\n"
            + "\n".join((done.stdout + done.stderr).splitlines()[-40:])
        )
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def slowest_notebooks(k: int = 3) -> list[tuple[str, float]]:
    from jupyter_cache import get_cache

    cache = get_cache(str(ROOT / "_build" / ".jupyter_cache"))
    records = [
        (Path(r.uri).stem, r.data.get("execution_seconds", 0.0))
        for r in cache.list_cache_records()
    ]
    return sorted(records, key=lambda x: -x[1])[:k]


def timed(what: str, times: tuple[float, float], target: float) -> list[str]:
    wall, cpu = times
    return [
        what,
        f"{wall:.0f} s (CPU {cpu:.0f} s)",
        f"<= {target:.0f} s",
        verdict(wall <= target),
    ]


def bench_build_and_tests() -> dict:
    jb = [
        str(Path(sys.executable).with_name("jupyter-book")),
        "build",
        ".",
        "-W",
        "-n",
        "--keep-going",
    ]
    execute = [sys.executable, str(ROOT / "book" / "_ext" / "execute_notebooks.py")]

    def make_book():  # what `make book` runs after its install step
        executed, rendered = run(execute), run(jb)
        return (executed[0] + rendered[0], executed[1] + rendered[1])

    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    serial = run(jb)
    slow = slowest_notebooks()
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    parallel = make_book()
    notebooks = notebooks_in_toc_order()
    target = notebooks[-1]
    original = target.read_text()
    try:  # a real edit (a new comment in a code cell) so that only it re-executes
        import nbformat

        nb = nbformat.reads(original, as_version=4)
        code = next(c for c in nb.cells if c.cell_type == "code")
        code.source += "\n# benchmark edit"
        target.write_text(nbformat.writes(nb))
        rebuild = make_book()
    finally:
        target.write_text(original)
    tests = run([sys.executable, "-m", "pytest", "-q", "-m", "not acceptance"])
    table(
        "Build and test time (this machine; CPU = user + system time of the processes)",
        ["what", "time", "target", ""],
        [
            timed(
                "clean build (make book: notebooks executed on every core, then "
                "rendered)",
                parallel,
                TARGETS["clean_build_s"],
            ),
            [
                "clean build by jupyter-book alone (serial execution, for comparison)",
                f"{serial[0]:.0f} s (CPU {serial[1]:.0f} s)",
                "",
                "",
            ],
            timed(
                f"rebuild after editing {target.stem}", rebuild, TARGETS["rebuild_s"]
            ),
            timed(
                "everyday tests (make test: pytest -m 'not acceptance')",
                tests,
                TARGETS["tests_s"],
            ),
        ],
    )
    table(
        "Slowest notebooks in the clean build",
        ["notebook", "execution"],
        [[name, f"{sec:.1f} s"] for name, sec in slow],
    )
    make_book()  # leave a build matching the committed sources
    return {"serial": serial, "clean": parallel, "rebuild": rebuild, "tests": tests}


SECTIONS = ["code", "steps", "throughput", "explorers", "build"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=SECTIONS, default=SECTIONS)
    args = parser.parse_args()
    print(
        f"# Benchmarks ({platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}; load average {os.getloadavg()[0]:.1f})"
    )
    if "code" in args.only:
        bench_code()
    if "steps" in args.only:
        bench_steps()
    if "throughput" in args.only:
        bench_throughput()
    if "explorers" in args.only:
        result = bench_notebooks()
        peak = result["peak_kb"] / 1024
        print(f"\nPeak memory over the book's notebooks: {peak:.0f} MiB")
    if "build" in args.only:
        bench_build_and_tests()


if __name__ == "__main__":
    main()
