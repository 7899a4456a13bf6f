#!/usr/bin/env bash
# Sets up the test environment (a virtualenv in .venv, pinned CPU builds)
# and runs lint plus the whole suite once per Keras backend, each in its own
# process (KERAS_BACKEND is read when Keras is imported).
#
# Usage: bash scripts/test.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
# requirements/test.txt pins the CPU build of torch and the exact versions
# CI uses; the package's own dependency ranges must admit them.
"$VENV/bin/python" -m pip install -q -r requirements/test.txt -e ".[all,test]"

echo "=== ruff ==="
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .

reports="$(mktemp -d)"
status=0
# JAX's persistent compilation cache, fresh for this run: the many tests
# and subprocess jobs that build the same small models (resumed jobs,
# per-backend parity runs) compile each program once instead of once per
# process. Entries are keyed by the program and the compile options, so
# results are those of an uncached run.
export JAX_COMPILATION_CACHE_DIR="${JAX_COMPILATION_CACHE_DIR:-$(mktemp -d)}"
export JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0
export JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES=0
# Two lanes, one per core (the suites are mostly single-threaded):
#   lane 1: TensorFlow suite, the three memory soak jobs, the JAX
#           suite's tests/distributed_test.py (56 s, moved from lane 2 to
#           even the lanes; extra pytest arguments apply to this run
#           too), then the step parity and checkpoint portability tests;
#   lane 2: JAX suite, PyTorch suite, then the ring quality band and
#           tests/soak_test.py (which waits for the three soak jobs'
#           results: KERAS_AEGAN_SOAK_DIR).
#   CI on 6 Dec 2026 (34.5 min in all): lane 1 TensorFlow 21.7 min, soak
#   jobs 4.2 (TensorFlow) + 2.0 (JAX), cross-backend 4.5; lane 2 JAX
#   16.6, PyTorch 8.6, soak job 2.3, cross-backend 4.7. Since then six
#   more CLI and save tests run on one backend (rotation), one rotated
#   test moved from TensorFlow to PyTorch, and the TensorFlow and PyTorch
#   soak jobs run 40 epochs instead of 80. Then (idle machine, fresh
#   venv, 1.5 min to install): lane 1 27.0 min (TensorFlow 17.6, soak
#   jobs 4.9, cross-backend 4.4), lane 2 28.7 min (JAX 15.0, PyTorch 9.0,
#   cross-backend 4.7). CI at that commit: 1,823 s (30.4 min). With the
#   distributed tests in lane 1, on 7 Dec (the machine about 10 % slower:
#   the same TensorFlow tests 19.6 min against 17.7): lane 1 31.2 min
#   (TensorFlow 20.2, soak jobs 6.3, distributed 1.3, cross-backend 3.4),
#   lane 2 29.9 (JAX 14.8, PyTorch 9.2, cross-backend 4.9). On 7 Dec,
#   later (PyTorch's plain dense networks called directly, two rotated
#   tests moved from TensorFlow to PyTorch): lane 1 30.4 min
#   (TensorFlow 20.4, soak jobs 5.1, distributed 2.0, cross-backend
#   2.9), lane 2 28.4 (JAX 16.3, PyTorch 8.7, cross-backend 3.4: the
#   PyTorch ring band run is faster); 32.1 min with the install.
#   On 7 Dec, 11:15 (nearly the same tests, the machine slower again:
#   TensorFlow 24.1 min against 17.0 at 08:25): lane 1 37.2
#   min, lane 2 34.6; 39.2 min with the install.
#   On 7 Dec, 14:15 (the machine slower again: TensorFlow 26.0 min, JAX
#   21.2, PyTorch 10.9; soak jobs, distributed 2.7, cross-backend 4.3
#   each): 42.3 min with the install (2.1).
#   On 7 Dec, 17:36 (a one-thread quality run on core 1 for the first 9
#   minutes): TensorFlow 28.8 min, JAX 23.3, PyTorch 12.5, soak jobs
#   and distributed 3.5, cross-backend 5.3 and 5.1; 47 min with the
#   install.
#   On 7 Dec, 21:13 (a PyTorch quality run on core 1 for the first 12
#   minutes): TensorFlow 31.4 min, JAX 25.9, PyTorch 11.7, soak jobs 6.5
#   after TensorFlow, distributed 3.1, cross-backend 4.1 and 4.1; 47 min
#   with the install (2,152 passed, 0 failed, 61 skipped).
#   On 8 Dec, 00:25 (two stacked-digits runs held both cores until
#   01:09): TensorFlow 44.7 min, JAX 39.9, PyTorch 11.5; 65 min with the
#   install, a timing of the contention, not of the suite.
#   The cross-backend tests start one subprocess per backend themselves,
#   so they run once, split over the lanes to even them out.
# Each suite's output goes to its own log, printed when the lanes end.
soak="$(mktemp -d)"
# One OpenMP thread per process: two lanes share two cores (PyTorch would
# otherwise start two threads in each and oversubscribe them).
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
# Long end-to-end and training-quality tests marked `rotation(backend)`
# run in one of the three suites only (tests/conftest.py).
export KERAS_AEGAN_ROTATION="${KERAS_AEGAN_ROTATION:-1}"
# The JAX suite compiles thousands of small programs (every test builds
# new models) and compiling, not running, is most of its time. It runs with
# XLA's backend optimisation level 0: the same operations, compiled about
# twice as fast (measured: 236 s -> 119 s for three test files), less
# optimised machine code whose rounding can differ in the last bits, as
# another CPU's would (no test compares bits across processes with other
# flags). The calibrated cross-backend runs, the soak jobs and the
# benchmarks keep XLA's defaults.
JAX_SUITE_XLA_FLAGS="--xla_backend_optimization_level=0 ${XLA_FLAGS:-}"
suite() {  # suite NAME KERAS_BACKEND MARKER [pytest args...]
  local name="$1" backend="$2" marker="$3" xla="${XLA_FLAGS:-}"
  case "$name" in jax | jax_distributed) xla="$JAX_SUITE_XLA_FLAGS" ;; esac
  shift 3
  KERAS_BACKEND="$backend" KERAS_AEGAN_SOAK_DIR="$soak" XLA_FLAGS="$xla" \
    "$VENV/bin/python" -m pytest -q -p no:cacheprovider -rx \
    -m "$marker" --durations=15 --junitxml="$reports/$name.xml" "$@" \
    > "$reports/$name.log" 2>&1 && code=0 || code=$?
  echo "$code" > "$reports/$name.exit"
  echo "--- $name finished (exit $code) at $(date +%T)"
}
soak_jobs() {  # soak_jobs BACKEND...
  for backend in "$@"; do
    KERAS_BACKEND="$backend" "$VENV/bin/python" -m \
      keras_aegan.testing.soak_job "$soak/$backend" \
      > "$soak/$backend.log" 2>&1 && code=0 || code=$?
    mv "$soak/$backend.log" "$soak/$backend/job.log" 2>/dev/null || true
    echo "$code" > "$soak/$backend.exit"
  done
  echo "--- memory soak jobs ($*) finished at $(date +%T)"
}
echo "=== test suites (started $(date +%T)) ==="
(
  suite tensorflow tensorflow "not cross_backend" "$@"
  soak_jobs tensorflow jax torch
  suite jax_distributed jax "not cross_backend" tests/distributed_test.py \
    "$@"
  suite cross_backend_1 jax cross_backend -rPx \
    -k "parity_test or portability_test" "$@"
) &
lane1=$!
(
  suite jax jax "not cross_backend" --ignore=tests/distributed_test.py "$@"
  suite torch torch "not cross_backend" "$@"
  suite cross_backend_2 jax cross_backend -rPx \
    -k "not parity_test and not portability_test" "$@"
) &
lane2=$!
wait "$lane1" || true
wait "$lane2" || true
for name in tensorflow jax torch jax_distributed cross_backend_1 \
  cross_backend_2; do
  echo "=== $name ==="
  cat "$reports/$name.log"
  [ "$(cat "$reports/$name.exit" 2>/dev/null)" = 0 ] || status=1
done

"$VENV/bin/python" - "$reports" <<'PY'
import glob
import sys
import xml.etree.ElementTree as ET

totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
for path in sorted(glob.glob(f"{sys.argv[1]}/*.xml")):
    root = ET.parse(path).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    counts = {k: int(suite.get(k, 0)) for k in totals}
    for k in totals:
        totals[k] += counts[k]
    backend = path.rsplit("/", 1)[-1][:-4]
    failed = counts["failures"] + counts["errors"]
    passed = counts["tests"] - failed - counts["skipped"]
    print(f"{backend}: {passed} passed, {failed} failed, "
          f"{counts['skipped']} skipped")
    # Numbers tests report with record_property("measured", ...).
    for prop in suite.iter("property"):
        if prop.get("name") == "measured":
            print(f"  {prop.get('value')}")
failed = totals["failures"] + totals["errors"]
passed = totals["tests"] - failed - totals["skipped"]
print(f"total: {passed} passed, {failed} failed, {totals['skipped']} skipped")
PY
exit "$status"
