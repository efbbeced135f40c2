#!/usr/bin/env bash
# System packages the tests use: Debian's ONNX checker (python3-onnx), an independent validator of our
# exported models. Installed only when missing; needs root and Debian's package mirror.
set -euo pipefail
if ! /usr/bin/python3 -c "import onnx" 2>/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-onnx >/dev/null
fi
/usr/bin/python3 -c "import onnx; print('python3-onnx', onnx.__version__)"
