#!/usr/bin/env bash
# CI setup for the ONNX backend's tests: Debian's python3-onnx and numpy (to regenerate and check the
# test models), libonnx-testdata (the conformance suite), locales-all and ONNX Runtime itself (`make onnxruntime`,
# from the npm package onnxruntime-node; the tarball is cached). Idempotent and quiet.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
/usr/bin/python3 -c 'import onnx, numpy' 2>/dev/null || need+=(python3-onnx python3-numpy)
[ -d /usr/share/libonnx-testdata/data ] || need+=(libonnx-testdata)
# ONNX Runtime's StringNormalizer (in libonnx-testdata's strnorm models) needs the en_US.UTF-8 locale.
locale -a 2>/dev/null | grep -qi '^en_US.utf8$' || need+=(locales-all)
command -v npm >/dev/null || need+=(npm)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The committed models' expected outputs are numpy's and libtorch's results with Debian's reference
# BLAS; OpenBLAS, which other packages pull in and which then becomes the default, rounds matrix
# products differently in the last bit, so the reproducibility tests pin the reference one.
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
for lib in blas lapack; do
  ref=/usr/lib/$multiarch/$lib/lib$lib.so.3
  if update-alternatives --list "lib$lib.so.3-$multiarch" 2>/dev/null | grep -qx "$ref"; then
    update-alternatives --set "lib$lib.so.3-$multiarch" "$ref" >/dev/null
  fi
done
make -s onnxruntime
