#!/usr/bin/env bash
# Create (idempotently) the separate anchors environment .venv-anchors at the repository root.
#
# The anchor engines (arena-rank, evalica, choix, scikit-learn for the FastChat re-implementation)
# are NEVER dependencies of sealvalid: they live only in this environment, used by
# benchmarks/make_golden.py and benchmarks/bench_rating.py.
#
# If benchmarks/anchors/requirements.txt exists (pinned `pip freeze` output) it is installed
# exactly; otherwise the top-level pins below are resolved by pip and the freeze is written to it.
# Re-running is cheap: pip sees everything satisfied.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$ROOT/.venv-anchors"
REQ="$HERE/requirements.txt"
TOP=(arena-rank==0.1.1 evalica==0.4.2 choix==0.4.1 scikit-learn pandas pyarrow scipy)

cd "$ROOT"   # .python-version here makes pyenv's python3 resolve to 3.12
PY="${ANCHORS_PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -c 'import sys; assert sys.version_info[:2] == (3, 12), sys.version' \
        || { echo "setup.sh: need Python 3.12 for $VENV (set ANCHORS_PYTHON)" >&2; exit 1; }
    "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip

if [ -s "$REQ" ]; then
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ"
else
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${TOP[@]}"
    {
        echo "# pip freeze of .venv-anchors, written by benchmarks/anchors/setup.sh"
        echo "# top-level: ${TOP[*]}"
        "$VENV/bin/python" -m pip freeze --exclude-editable | grep -v '^-e '
    } > "$REQ"
fi
"$VENV/bin/python" - <<'PY'
import importlib.metadata as md
for name in ("arena-rank", "evalica", "choix", "scikit-learn", "numpy", "pandas", "scipy", "jax"):
    try:
        print(f"{name}=={md.version(name)}")
    except md.PackageNotFoundError:
        print(f"{name}: not installed")
PY
