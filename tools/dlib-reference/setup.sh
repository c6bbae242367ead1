#!/usr/bin/env bash
# Create (or re-use) the throwaway Python environment that runs dlib itself,
# for regenerating the reference fixtures and for the side-by-side benchmark.
#
#   tools/dlib-reference/setup.sh [VENV_DIR]
#
# VENV_DIR defaults to $RIV_DLIB_VENV, else ${XDG_CACHE_HOME:-~/.cache}/riv/dlib-venv.
# Prints the venv's python on stdout (everything else goes to stderr), so
#   PY="$(tools/dlib-reference/setup.sh)" && "$PY" tools/dlib-reference/make_fixtures.py
# works.
#
# Fast path: when the venv already holds exactly requirements.txt (stamp file
# matches and dlib imports), nothing is installed and nothing is downloaded.
# Offline path: the wheels are kept in a wheelhouse next to the venv
# (<venv>.wheels); once filled, re-creating the venv needs no network.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
req="$here/requirements.txt"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/riv"
venv="${1:-${RIV_DLIB_VENV:-$cache_root/dlib-venv}}"
wheelhouse="${RIV_DLIB_WHEELHOUSE:-${venv%/}.wheels}"
python="${PYTHON:-python3}"
log() { printf 'dlib-reference/setup: %s\n' "$*" >&2; }

stamp="$venv/.riv-requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"

if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] &&
  "$venv/bin/python" -c 'import dlib, face_recognition_models, numpy, PIL' 2>/dev/null; then
  log "venv up to date: $venv"
  echo "$venv/bin/python"
  exit 0
fi

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))'; then
  log "need Python >= 3.9 (set PYTHON=...)"
  exit 1
fi

log "creating venv at $venv"
"$python" -m venv --clear "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check)
mkdir -p "$wheelhouse"

install_offline() {
  "${pip[@]}" install --quiet --no-index --find-links "$wheelhouse" -r "$req"
}

if install_offline 2>/dev/null; then
  log "installed from wheelhouse $wheelhouse (offline)"
else
  log "filling wheelhouse $wheelhouse (downloads; face_recognition_models is ~100 MB)"
  # `pip wheel` also builds the face_recognition_models sdist into a wheel, so
  # the next install is a pure offline copy.
  "${pip[@]}" wheel --quiet --wheel-dir "$wheelhouse" -r "$req"
  install_offline
fi

"$venv/bin/python" -c 'import dlib; print("dlib", dlib.__version__)' >&2
echo "$want" >"$stamp"
echo "$venv/bin/python"
