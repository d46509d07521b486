#!/usr/bin/env bash
# CI setup for the TORCH backend: Debian's libtorch (headers and libraries to build the shim,
# `make torch-backend`), python3-torch (to regenerate and check the test models with
# orchestrator/backends/torch/testdata/make_models.py) and g++. Idempotent and quiet.
set -euo pipefail
need=()
[ -f /usr/include/torch/script.h ] || need+=(libtorch-dev)
/usr/bin/python3 -c 'import torch' 2>/dev/null || need+=(python3-torch)
command -v g++ >/dev/null || need+=(g++)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
