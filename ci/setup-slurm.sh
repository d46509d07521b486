#!/usr/bin/env bash
# Starts a single-node Slurm (slurmctld + slurmd, munge auth, no accounting) on this machine for the
# launchers/slurm tests, and Open MPI for the MPI tests. Idempotent: a cluster already answering `sinfo`
# is left as is. State, logs and pid files live under $SSRUN_SLURM_DIR (default /tmp/ssrun-slurm) so
# ci/teardown-slurm.sh can stop exactly these daemons by pid. Runs as root (CI).
set -euo pipefail
dir="${SSRUN_SLURM_DIR:-/tmp/ssrun-slurm}"

# openmpi-bin before slurmd starts, so srun's MPI plugins find it.
need=()
for pair in slurmctld:slurmctld slurmd:slurmd sinfo:slurm-client munged:munge mpirun:openmpi-bin; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${pair%%:*}" ] || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if timeout 5 sinfo -h -o %T 2>/dev/null | grep -qE 'idle|mix|alloc'; then
  echo "setup-slurm: a Slurm cluster already answers sinfo"
  exit 0
fi

mkdir -p "$dir"/{state,spool,log} /run/munge /etc/slurm
chown munge:munge /run/munge 2>/dev/null || true
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  [ -s /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid 2>/dev/null || runuser -u munge -- /usr/sbin/munged
  cp /run/munge/munged.pid "$dir/munged.pid" 2>/dev/null || true
fi

host="$(hostname -s)"
cpus="$(nproc)"
mem_mb="$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)"
cat > /etc/slurm/slurm.conf <<CONF
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
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=300
KillWait=2
NodeName=$host CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
CONF

/usr/sbin/slurmctld
/usr/sbin/slurmd
for _ in $(seq 1 100); do
  if sinfo -h -o %T 2>/dev/null | grep -qE 'idle|mix|alloc'; then
    echo "setup-slurm: single-node Slurm up on $host ($cpus CPUs)"
    exit 0
  fi
  sleep 0.2
done
echo "setup-slurm: Slurm did not come up; see $dir/log" >&2
exit 1
