#!/usr/bin/env bash
# Starts a three-node Slurm cluster on this one machine (slurmctld + three slurmd, munge auth, no
# accounting) for the launchers/slurm tests and the multi-node database tests, and Open MPI for the MPI
# tests. Nodes n1, n2 and n3 have their own loopback addresses 127.0.0.1, 127.0.0.2 and 127.0.0.3 (all
# of 127.0.0.0/8 reaches this machine), so programs on different "nodes" bind the same port on their
# node's address exactly as on a real cluster; `scontrol show node nX` gives that NodeAddr.
# Idempotent: a cluster already answering `sinfo` with three idle nodes is left as is. State, logs and
# pid files live under $SSRUN_SLURM_DIR (default /tmp/ssrun-slurm) so ci/teardown-slurm.sh can stop
# exactly these daemons by pid. Runs as root (CI).
set -euo pipefail
dir="${SSRUN_SLURM_DIR:-/tmp/ssrun-slurm}"
nodes=(n1 n2 n3)

# openmpi-bin before slurmd starts, so srun's MPI plugins find it.
need=()
for pair in slurmctld:slurmctld slurmd:slurmd sinfo:slurm-client munged:munge mpirun:openmpi-bin; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${pair%%:*}" ] || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

up() { [ "$(timeout 5 sinfo -h -N -o '%N %T' 2>/dev/null | grep -cE ' (idle|mix|alloc)')" -ge ${#nodes[@]} ]; }
if up; then
  echo "setup-slurm: a ${#nodes[@]}-node Slurm cluster already answers sinfo"
  exit 0
fi

mkdir -p "$dir"/{state,log} /run/munge /etc/slurm
for n in "${nodes[@]}"; do mkdir -p "$dir/spool$n"; done
chown munge:munge /run/munge 2>/dev/null || true
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  [ -s /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid 2>/dev/null || runuser -u munge -- /usr/sbin/munged
  cp /run/munge/munged.pid "$dir/munged.pid" 2>/dev/null || true
fi

host="$(hostname -s)"
{
cat <<CONF
ClusterName=ssrun
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.%n.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.%n.log
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=300
KillWait=2
CONF
i=1
for n in "${nodes[@]}"; do
  echo "NodeName=$n NodeHostname=$host NodeAddr=127.0.0.$i Port=$((17000 + i)) CPUs=2 RealMemory=4000 State=UNKNOWN"
  i=$((i + 1))
done
echo "PartitionName=debug Nodes=n[1-${#nodes[@]}] Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8"
} > /etc/slurm/slurm.conf

/usr/sbin/slurmctld
for n in "${nodes[@]}"; do /usr/sbin/slurmd -N "$n"; done
for _ in $(seq 1 150); do
  if up; then
    echo "setup-slurm: ${#nodes[@]}-node Slurm up (${nodes[*]} on 127.0.0.1-${#nodes[@]})"
    exit 0
  fi
  sleep 0.2
done
echo "setup-slurm: Slurm did not come up; see $dir/log" >&2
sinfo -N >&2 || true
exit 1
