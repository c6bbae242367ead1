#!/usr/bin/env bash
# Builds riv's Lambda artefacts for the provided.al2023 runtime on x86_64:
# target/lambda/<function>/bootstrap, one per stage plus dead_letter, linked
# against glibc 2.34 (Amazon Linux 2023) by zig. cargo-lambda and zig are
# installed, pinned, into a venv in the user's cache directory, once.
#
#   tools/lambda/build.sh            # release build of every function
#   tools/lambda/build.sh --check    # also list each artefact's size and glibc needs
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
python="${PYTHON:-python3}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/riv"
venv="$cache/lambda-venv"
stamp="$venv/.riv-pins"
pins="cargo-lambda==1.9.2 ziglang==0.15.2"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$pins" ]]; then
  rm -rf "$venv"
  mkdir -p "$cache"
  "$python" -m venv "$venv" >&2
  # shellcheck disable=SC2086
  "$venv/bin/pip" install --quiet --disable-pip-version-check $pins >&2
  echo "$pins" > "$stamp"
fi
export PATH="$venv/bin:$PATH"
cd "$root"
# The functions are the binaries of infra/lambda; the host's own target is
# the only one installed, and zig supplies the glibc 2.34 link.
cargo lambda build --release --package riv-lambda --target x86_64-unknown-linux-gnu.2.34 \
  --lambda-dir "${CARGO_TARGET_DIR:-$root/target}/lambda"
# The release profile keeps line tables for backtraces; a function ships
# without them (an 81 MB binary becomes 22 MB, 8 MB zipped).
for bootstrap in "${CARGO_TARGET_DIR:-$root/target}"/lambda/*/bootstrap; do
  strip --strip-debug "$bootstrap"
done
if [[ "${1:-}" == "--check" ]]; then
  for bootstrap in "${CARGO_TARGET_DIR:-$root/target}"/lambda/*/bootstrap; do
    glibc="$(objdump -T "$bootstrap" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)"
    printf '%-40s %8s KiB  needs %s\n' "${bootstrap#"$root"/}" "$(( $(stat -c %s "$bootstrap") / 1024 ))" "$glibc"
  done
fi
