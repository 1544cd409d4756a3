#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, for running the pipeline through the SLURM executor
# (tests/test_slurm.py): munged, slurmctld and slurmd, no slurmdbd.
#
#   tools/slurm_cluster.sh start    # idempotent: starts what is not running, waits for the node
#   tools/slurm_cluster.sh status   # exit 0 when the cluster answers and its node takes jobs
#   tools/slurm_cluster.sh stop     # stops the daemons this script started
#
# Needs root and Debian's packages: apt-get install -y slurm-wlm munge
# The node is this machine as `slurmd -C` sees it (its cores and memory), in one partition
# ($NNSCI_SLURM_PARTITION, default "nnsci"). Without slurmdbd there is no sacct: MinJobAge=300 keeps
# finished jobs visible to squeue, which the profile's `slurm-status-command: squeue` reads.
# The configuration goes to /etc/slurm/slurm.conf (where sbatch and squeue look) marked as ours; a
# slurm.conf this script did not write is never overwritten. State and logs: $NNSCI_SLURM_STATE
# (default /var/lib/nnsci-slurm).
set -euo pipefail

CONF=/etc/slurm/slurm.conf
MARK="# written by nnsci tools/slurm_cluster.sh"
STATE="${NNSCI_SLURM_STATE:-/var/lib/nnsci-slurm}"
PARTITION="${NNSCI_SLURM_PARTITION:-nnsci}"
PROG="slurm_cluster.sh"

die() { echo "$PROG: $*" >&2; exit 1; }

need_tools() {
    local missing=()
    for tool in munged mungekey munge unmunge slurmctld slurmd scontrol sinfo sbatch squeue; do
        command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        die "missing ${missing[*]}: install Debian's packages (apt-get install -y slurm-wlm munge)"
    fi
    [ "$(id -u)" -eq 0 ] || die "must run as root (munged, slurmctld and slurmd are system daemons)"
    export PATH="$PATH:/usr/sbin"
}

munge_up() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
    if munge_up; then return; fi
    [ -s /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key && chmod 600 /etc/munge/munge.key
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
    runuser -u munge -- munged
    for _ in $(seq 50); do munge_up && { : >"$STATE/munged.ours"; return; }; sleep 0.1; done
    die "munged did not start (see /var/log/munge/munged.log)"
}

write_conf() {
    if [ -e "$CONF" ] && ! grep -qxF "$MARK" "$CONF"; then
        die "$CONF exists and was not written by this script; not touching another cluster's configuration"
    fi
    local node host
    node="$(slurmd -C | head -n 1)"   # NodeName=<host> CPUs=... RealMemory=<MB>
    host="${node#NodeName=}"; host="${host%% *}"
    [ -n "$host" ] || die "slurmd -C did not describe this machine: $node"
    local tmp="$CONF.tmp.$$"
    cat >"$tmp" <<EOF
$MARK
# A single-node cluster for tests; see the script's header.
ClusterName=nnsci
SlurmctldHost=$host
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/linux
JobCompType=jobcomp/none
MinJobAge=300
ReturnToService=2
SchedulerType=sched/backfill
$node State=UNKNOWN
PartitionName=$PARTITION Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    if [ -e "$CONF" ] && cmp -s "$tmp" "$CONF"; then rm -f "$tmp"; return 1; fi
    mv "$tmp" "$CONF"
}

ctld_up() { scontrol ping 2>/dev/null | grep -q "is UP"; }
node_state() { sinfo -h -N -p "$PARTITION" -o %T 2>/dev/null | head -n 1; }
node_ready() { case "$(node_state)" in idle*|mixed*|allocated*|completing*) return 0;; esac; return 1; }

cmd_start() {
    need_tools
    install -d -m 0755 "$STATE" "$STATE/ctld" "$STATE/d"
    start_munge
    local changed=0
    write_conf && changed=1
    if ctld_up && [ "$changed" -eq 1 ]; then scontrol reconfigure; fi
    if ! ctld_up; then
        slurmctld
        for _ in $(seq 100); do ctld_up && break; sleep 0.2; done
        ctld_up || die "slurmctld did not start (see $STATE/slurmctld.log)"
    fi
    if ! { [ -s "$STATE/slurmd.pid" ] && kill -0 "$(cat "$STATE/slurmd.pid")" 2>/dev/null; }; then
        slurmd
    fi
    for _ in $(seq 150); do
        node_ready && break
        case "$(node_state)" in down*|drain*) scontrol update nodename=ALL state=resume 2>/dev/null || true;; esac
        sleep 0.2
    done
    node_ready || die "the node is $(node_state || echo unknown), not taking jobs (see $STATE/slurmd.log)"
    echo "$PROG: cluster up: partition $PARTITION, node $(sinfo -h -N -p "$PARTITION" -o '%N %c CPUs %m MB %T')"
}

cmd_status() {
    command -v scontrol >/dev/null 2>&1 || die "no SLURM client (apt-get install -y slurm-wlm munge)"
    if ctld_up && node_ready; then
        echo "$PROG: cluster up: partition $PARTITION, node $(sinfo -h -N -p "$PARTITION" -o '%N %c CPUs %m MB %T')"
    else
        echo "$PROG: cluster not up (slurmctld: $(ctld_up && echo up || echo down), node: $(node_state || true))"
        exit 1
    fi
}

stop_pid() {  # stop_pid <pidfile> <name>: TERM the daemon, wait for it to go
    local pidfile="$1" pid
    [ -s "$pidfile" ] || return 0
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && die "$2 (pid $pid) did not stop"
    fi
    rm -f "$pidfile"
}

cmd_stop() {
    need_tools
    [ -e "$CONF" ] && ! grep -qxF "$MARK" "$CONF" && die "$CONF was not written by this script; not stopping another cluster"
    stop_pid "$STATE/slurmd.pid" slurmd
    stop_pid "$STATE/slurmctld.pid" slurmctld
    if [ -e "$STATE/munged.ours" ]; then
        stop_pid /run/munge/munged.pid munged
        rm -f "$STATE/munged.ours"
    fi
    echo "$PROG: cluster stopped"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *) die "usage: $PROG start|stop|status" ;;
esac
