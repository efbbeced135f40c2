#!/usr/bin/env bash
# System packages the tests use, installed only when missing (so `npm test` on a bare machine brings them):
#   python3-onnx  Debian's ONNX checker, an independent validator of our exported models (/usr/bin/python3).
#   bubblewrap    the operating-system sandbox code tasks run in (see docs/sandbox.md).
# Needs root (or sudo) and Debian's package mirror; where it cannot install it says so and what to run.
set -euo pipefail

missing=()
/usr/bin/python3 -c "import onnx" 2>/dev/null || missing+=(python3-onnx)
[ "$(uname -s)" != Linux ] || command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "install-system-deps: the tests need Debian packages: ${missing[*]}." >&2
      echo "  Not root and no sudo here: ask an administrator to run 'apt-get install ${missing[*]}', then rerun 'npm test'." >&2
      exit 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: the tests need ${missing[*]} (Debian package names) and this machine has no apt-get." >&2
    echo "  Install the equivalent with your system's package manager (for python3-onnx: 'import onnx' must work in /usr/bin/python3)." >&2
    exit 1
  fi
  echo "install-system-deps: installing ${missing[*]} (Debian packages the tests need) …" >&2
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
    echo "install-system-deps: 'apt-get install ${missing[*]}' failed (no package mirror reachable?). Install them, then rerun 'npm test'." >&2
    exit 1
  fi
fi
/usr/bin/python3 -c "import onnx; print('python3-onnx', onnx.__version__)" >&2
[ "$(uname -s)" != Linux ] || echo "bubblewrap $(bwrap --version | cut -d' ' -f2)" >&2
