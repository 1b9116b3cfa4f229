#!/usr/bin/env bash
# Installs whatever in packaging/deps/debian-packages.txt is missing. Needs root or sudo
# when something is missing; does nothing (and needs no privileges) when all are present.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
list="$here/debian-packages.txt"
mapfile -t lines < <(grep -vE '^\s*(#|$)' "$list")

wanted=()
missing=()
for line in "${lines[@]}"; do
  read -r pkg alt _ <<<"$line"
  wanted+=("$pkg")
  if [[ "${alt:-}" == cmd:* ]] && command -v "${alt#cmd:}" >/dev/null 2>&1; then
    continue
  fi
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
if ((${#missing[@]} == 0)); then
  echo "headscope: all ${#wanted[@]} Debian packages present"
  exit 0
fi

echo "headscope: installing ${#missing[@]} missing packages: ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "headscope: need root or sudo to install: ${missing[*]}" >&2
  exit 1
fi
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

# libtorch falls back to the reference BLAS (25x slower GEMM) unless OpenBLAS is the alternative.
if ! update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | grep -q '^Value: .*openblas'; then
  echo "headscope: warning: libblas.so.3 does not point at OpenBLAS; GEMM will be slow" >&2
fi
