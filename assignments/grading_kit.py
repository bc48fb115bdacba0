"""The checks that every test of the assignments is written with.

``build.py`` copies this file's code into the body of each test that says
``from grading_kit import Question``, so that an autograder test depends on nothing
in the student's kernel: not on ``samlib`` (which a submission could change), not on
files next to the notebook. The code is public (students see it in the public tests),
and it holds no answer.

A :class:`Question` finds the student's functions by name, calls them with a time
limit and, where a question builds on earlier ones, with the reference versions of
those earlier functions in place (``given``), so that a mistake costs the points of its
own question only. Every failure message starts with the question's name and says
what was called, with which input, what came back and what was expected.
"""

import contextlib
import math
import signal
import threading
import time

import numpy as np

CALL_TIME_LIMIT = 10.0  # seconds for one call of a student's function


class _TimeUp(BaseException):
    """Raised inside a call that ran past its time limit (a BaseException, so that
    an ``except Exception`` in the student's code cannot swallow it)."""


@contextlib.contextmanager
def _time_limit(seconds):
    """Stop the enclosed code after ``seconds`` (main thread, POSIX only)."""
    if (
        threading.current_thread() is not threading.main_thread()
        or not hasattr(signal, "setitimer")
        or seconds is None
    ):
        yield
        return

    def handler(signum, frame):
        raise _TimeUp

    previous_handler = signal.signal(signal.SIGALRM, handler)
    outer_left, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if outer_left > 0:  # an outer time limit (e.g. the grader's) keeps running
            left = max(outer_left - (time.monotonic() - start), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, outer_interval)


def _show(value):
    """A short, readable text for a value in a failure message."""
    if callable(value) and not isinstance(value, np.ndarray):
        return getattr(value, "__name__", "a function")
    if isinstance(value, float):
        return f"{value:.6g}"
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return repr(value)[:200]
    if array.ndim == 0:
        return f"{float(array):.6g}"
    if array.size <= 12:
        return str(
            np.vectorize(lambda x: float(f"{x:.6g}"), otypes=[float])(array).tolist()
        )
    text = np.array2string(array, precision=6, threshold=12, separator=", ")
    return " ".join(text.split())


class Question:
    """Checks for one question of an assignment.

    Parameters
    ----------
    name : str
        The question, e.g. ``"q3"``; every message starts with it.
    env : dict
        The notebook's global variables (otter passes them as ``env``).
    given : dict, optional
        Reference versions of the functions of earlier questions, by name. While a
        student's function runs, these replace the student's own versions, so that
        only the function under test is graded.
    """

    def __init__(self, name, env, given=None):
        self.name = name
        self.env = env
        self.given = dict(given or {})

    def fail(self, message):
        raise AssertionError(f"{self.name}: {message}")

    def check(self, condition, message):
        """Fail with ``message`` unless ``condition`` holds."""
        if not condition:
            self.fail(message)

    def value(self, name):
        """The notebook's variable ``name``; a clear failure if it is missing."""
        if name not in self.env:
            self.fail(f"define the variable {name} (run the cell that sets it)")
        return self.env[name]

    def function(self, name):
        """The notebook's function ``name``; a clear failure if it is missing."""
        fn = self.env.get(name)
        if fn is None:
            self.fail(
                f"define the function {name}: the notebook has no {name} (write it, "
                "then run its cell)"
            )
        if not callable(fn):
            self.fail(f"{name} should be a function, but it is {type(fn).__name__}")
        return fn

    def describe(self, name, named):
        args = ", ".join(f"{key}={_show(value)}" for key, value in named.items())
        call = f"{name}({args})"
        if self.given:
            call += " (with the reference " + ", ".join(sorted(self.given)) + ")"
        return call

    @contextlib.contextmanager
    def _given_in(self, fn):
        namespace = getattr(fn, "__globals__", self.env)
        missing = object()
        saved = {key: namespace.get(key, missing) for key in self.given}
        namespace.update(self.given)
        try:
            yield
        finally:
            for key, old in saved.items():
                if old is missing:
                    namespace.pop(key, None)
                else:
                    namespace[key] = old

    def call(self, _name, /, **named):
        """Call the student's ``_name`` with the arguments ``named`` (in order)."""
        fn = self.function(_name)
        call = self.describe(_name, named)
        try:
            with self._given_in(fn), _time_limit(CALL_TIME_LIMIT):
                return fn(*named.values())
        except NotImplementedError:
            self.fail(f"{_name} is not written yet (it raises NotImplementedError)")
        except _TimeUp:
            self.fail(f"{call} did not return within {CALL_TIME_LIMIT:g} s")
        except AssertionError as error:
            self.fail(f"{call} raised AssertionError: {error}")
        except Exception as error:  # the student's code failed: say where
            self.fail(f"{call} raised {type(error).__name__}: {error}")

    def array(self, got, call, shape=None):
        """``got`` as a float array: fails unless numeric, finite and of ``shape``."""
        try:
            out = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            self.fail(f"{call} returned {_show(got)}, which is not an array of numbers")
        if shape is not None and out.shape != tuple(shape):
            self.fail(
                f"{call} returned an array of shape {out.shape}, expected shape "
                f"{tuple(shape)}: {_show(out)}"
            )
        if not np.all(np.isfinite(out)):
            self.fail(f"{call} returned non-finite values (nan or inf): {_show(out)}")
        return out

    def close(self, got, expected, call, rtol=1e-9, atol=1e-12, why=""):
        """Fail unless ``got`` is within tolerance of ``expected``."""
        expected = np.asarray(expected, dtype=float)
        got = self.array(got, call, expected.shape)
        error = np.abs(got - expected)
        bad = error > atol + rtol * np.abs(expected)
        if np.any(bad):
            where = np.unravel_index(np.argmax(error), error.shape) if got.ndim else ()
            at = f" at index {tuple(int(i) for i in where)}" if where else ""
            reason = f" ({why})" if why else ""
            self.fail(
                f"{call} returned {_show(got)}, expected {_show(expected)}: they "
                f"differ by {float(error.max()):.3g}{at}{reason}"
            )
        return got

    def expect_close(self, _name, expected, /, rtol=1e-9, atol=1e-12, why="", **named):
        """Call ``_name(**named)`` and compare the result with ``expected``."""
        got = self.call(_name, **named)
        return self.close(got, expected, self.describe(_name, named), rtol, atol, why)

    def expect_equal(self, _name, expected, /, why="", **named):
        """Call ``_name(**named)`` and require a result equal to ``expected``."""
        got = self.call(_name, **named)
        if got != expected:
            reason = f" ({why})" if why else ""
            self.fail(
                f"{self.describe(_name, named)} returned {_show(got)}, expected "
                f"{_show(expected)}{reason}"
            )
        return got

    def expect_raises(self, _name, error, /, why="", **named):
        """Call ``_name(**named)`` and require that it raises ``error``."""
        fn = self.function(_name)
        call = self.describe(_name, named)
        reason = f" ({why})" if why else ""
        try:
            with self._given_in(fn), _time_limit(CALL_TIME_LIMIT):
                out = fn(*named.values())
        except error:
            return
        except NotImplementedError:
            self.fail(f"{_name} is not written yet (it raises NotImplementedError)")
        except _TimeUp:
            self.fail(f"{call} did not return within {CALL_TIME_LIMIT:g} s")
        except Exception as other:
            self.fail(
                f"{call} raised {type(other).__name__}: {other}; expected a "
                f"{error.__name__}{reason}"
            )
        self.fail(f"{call} returned {_show(out)}; expected a {error.__name__}{reason}")


def finite_difference(f, x, h=1e-6):
    """Central differences of ``f`` at ``x``: an array of shape ``(d, *f(x).shape)``."""
    x = np.asarray(x, dtype=float)
    rows = []
    for e in np.eye(x.size):
        plus = np.asarray(f(x + h * e), dtype=float)
        minus = np.asarray(f(x - h * e), dtype=float)
        rows.append((plus - minus) / (2 * h))
    return np.array(rows)


def is_close(a, b, rtol=1e-9, atol=1e-12):
    """Whether two numbers are close (plain Python, for loops of scalar checks)."""
    return math.isclose(float(a), float(b), rel_tol=rtol, abs_tol=atol)
