#!/usr/bin/env bash
# Steps/s of keras_aegan per backend on one GPU: conv32 and the 64x64
# paper preset, float32 and mixed precision. One process per run.
#
#   bash benchmarks/gpu.sh                 # everything, JSON in runs/gpu/
#   BACKENDS="jax torch" STEPS=100 bash benchmarks/gpu.sh
#
# Needs a Python environment with keras_aegan installed and GPU builds
# of the frameworks (for example `pip install -e . "jax[cuda12]"
# "tensorflow[and-cuda]" torch`); PYTHON picks it (default: python).
# Each line says whether the backend saw an accelerator: a run that
# fell back to the CPU is reported as such, not as a GPU number.
# Not yet measured by the project (no GPU in its CI); see
# benchmarks/README.md.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}
BACKENDS=${BACKENDS:-"tensorflow jax torch"}
CONFIGS=${CONFIGS:-"conv32 paper64"}
DTYPES=${DTYPES:-"float32 mixed_float16 mixed_bfloat16"}
STEPS=${STEPS:-50}
REPEATS=${REPEATS:-3}
OUT=${OUT:-runs/gpu}
mkdir -p "$OUT"
json="$OUT/gpu_steps_$(date +%Y%m%d_%H%M%S).json"
failed=0
for backend in $BACKENDS; do
    for config in $CONFIGS; do
        for dtype in $DTYPES; do
            if ! KERAS_BACKEND=$backend "$PYTHON" -m benchmarks.gpu_steps \
                --backend "$backend" --config "$config" --dtype "$dtype" \
                --steps "$STEPS" --repeats "$REPEATS" --json "$json" \
                2> "$OUT/${backend}_${config}_${dtype}.err" \
                | tail -n 1; then
                echo "FAILED: $backend $config $dtype (see $OUT/${backend}_${config}_${dtype}.err)"
                failed=1
            fi
        done
    done
done
echo "results: $json"
exit $failed
