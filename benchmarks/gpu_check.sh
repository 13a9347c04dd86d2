#!/usr/bin/env bash
# ehrmind's GPU check: <= 8 min on one H200 from a fresh clone; every result under $OUT.
#   bash benchmarks/gpu_check.sh              # GPU: install .[gpu], Qwen2.5-0.5B/1.5B-shaped random models,
#                                             # HF vs vLLM generation, train MFU, 3 `ehrmind rl` steps with vLLM
#                                             # colocate, save + reload, peak memory -> $OUT/summary.{json,md}
#   bash benchmarks/gpu_check.sh --dry-run    # CPU, tiny sizes, the same steps (CI runs this)
# Nothing is downloaded but packages: the models are built offline with random weights. Where the machine has no
# network, the install step is skipped (say EHRMIND_SKIP_INSTALL=1 to skip it always) and vLLM phases report
# "skipped" if vLLM is missing. See benchmarks/gpu_check.py for what each step measures.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-$PWD/gpu_check_out}"
mkdir -p "$OUT/logs"
PYTHON="${PYTHON:-python}"
dry_run=0
for arg in "$@"; do [[ "$arg" == "--dry-run" ]] && dry_run=1; done

if [[ $dry_run -eq 0 && "${EHRMIND_SKIP_INSTALL:-0}" != "1" ]]; then
  # .[gpu]: vLLM within TRL 1.16's supported range (pyproject.toml). Bounded so an offline machine moves on.
  start=$(date +%s)
  if timeout 240 "$PYTHON" -m pip install -q -e ".[gpu]" >"$OUT/logs/install.log" 2>&1; then
    echo "install: ok ($(( $(date +%s) - start )) s)"
  else
    echo "install: failed or offline ($(( $(date +%s) - start )) s), continuing with the installed packages (see logs/install.log)"
  fi
fi
exec "$PYTHON" benchmarks/gpu_check.py --out "$OUT" "$@"
