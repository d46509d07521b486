#!/usr/bin/env bash
# Installs Debian's Open MPI for the MPI run-settings tests (mpirun running a 2-rank member). Idempotent.
# ci/setup-slurm.sh installs it too, before slurmd starts, so srun's MPI plugins find it.
set -euo pipefail
command -v mpirun >/dev/null 2>&1 && exit 0
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openmpi-bin >/dev/null
