#!/usr/bin/env bash
# A one-node Slurm cluster under this script's control (no systemd), used to check that `collect --shard auto`
# as a 4-task job array, merged, gives the bytes one process writes. Run as root on Debian/Ubuntu:
#   scripts/slurm/one-node-cluster.sh            # install if missing, start, run the check, stop
# Env: WORK (scratch folder, default a temp dir), CURATOR (CLI command, default node dist/cli/main.js),
#      TASKS (array size, default 4), KEEP=1 leaves the daemons running.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CURATOR="${CURATOR:-node $ROOT/dist/cli/main.js}"
TASKS="${TASKS:-4}"
WORK="${WORK:-$(mktemp -d /tmp/curator-slurm.XXXXXX)}"
ARGS="--world tiny --streams 6 --tasks 12 --seed 11"
t0=$(date +%s)
say() { echo "[slurm $(( $(date +%s) - t0 ))s] $*"; }

[ "$(id -u)" = 0 ] || { echo "one-node-cluster.sh: run as root (it installs packages and starts slurmd)" >&2; exit 2; }
# It writes /etc/slurm/slurm.conf: never over a configuration it did not write, never beside a running cluster.
MARK="# written by curator-toolkit scripts/slurm/one-node-cluster.sh"
for f in /etc/slurm/slurm.conf /etc/slurm/cgroup.conf; do
  if [ -e "$f" ] && ! grep -qxF "$MARK" "$f" && ! grep -qx 'ClusterName=curator' "$f"; then
    echo "one-node-cluster.sh: $f exists and was not written by this script; it is left alone. Run this check on a machine without a Slurm configuration of its own (or move $f aside yourself)." >&2
    exit 2
  fi
done
if pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null; then
  echo "one-node-cluster.sh: slurmctld or slurmd is already running here; stop it first (this script starts its own daemons)." >&2
  exit 2
fi
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurmctld slurmd munge (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
fi
say "slurm $(slurmd -V 2>/dev/null)"

ETC=/etc/slurm; mkdir -p "$ETC" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge /var/lib/munge /var/log/munge
[ -s /etc/munge/munge.key ] || { mkdir -p /etc/munge; dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none; }
# munged runs as root here (--force), so root owns its key and folders.
chown -R root:root /etc/munge /run/munge /var/lib/munge /var/log/munge
chmod 700 /etc/munge /var/lib/munge /var/log/munge; chmod 755 /run/munge; chmod 400 /etc/munge/munge.key
HOST="$(hostname -s)"
NODE="$(slurmd -C | head -1 | sed 's/UpTime=.*//')"   # NodeName=... CPUs=... RealMemory=... from the machine itself
cat > "$ETC/slurm.conf" <<CONF
$MARK
ClusterName=curator
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
$NODE State=UNKNOWN
PartitionName=main Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
rm -f "$ETC/cgroup.conf"   # one the packages just installed (an older one was refused above)

PIDS=()
stop() {
  [ "${KEEP:-0}" = 1 ] && { say "KEEP=1: daemons left running (${PIDS[*]})"; return; }
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  say "daemons stopped"
}
trap stop EXIT
say "starting munged, slurmctld, slurmd"
munged --force -F 2>/var/log/munge/munged.err & PIDS+=($!)
sleep 1
slurmctld -D -i >/var/log/slurm/slurmctld.out 2>&1 & PIDS+=($!)
slurmd -D >/var/log/slurm/slurmd.out 2>&1 & PIDS+=($!)
up=0
for _ in $(seq 60); do sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)' && { up=1; break; }; sleep 1; done
sinfo -h -o "%P %t %c CPUs %m MB" || true
[ "$up" = 1 ] || { echo "the node did not become idle; see /var/log/slurm/slurmd.out and slurmctld.out" >&2; tail -5 /var/log/slurm/slurmd.out >&2; exit 1; }

say "submitting a $TASKS-task array: collect $ARGS --shard auto"
cd "$WORK"
JOB=$(sbatch --parsable --array=1-"$TASKS" --cpus-per-task=1 --output="$WORK/slurm-%A_%a.out" \
  --wrap="$CURATOR collect $ARGS --shard auto --out shards --resume")
while squeue -h -j "$JOB" 2>/dev/null | grep -q .; do sleep 1; done
say "array $JOB finished"
ls shards
$CURATOR dataset verify shards
$CURATOR collect $ARGS --out merged >/dev/null 2>&1 && mv merged one
$CURATOR dataset merge shards --out merged
if diff -r one merged; then say "OK: merged dataset is byte-identical to one process ($WORK)"; else say "FAIL: merged differs from one process"; exit 1; fi
