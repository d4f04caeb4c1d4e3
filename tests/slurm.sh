# slurm.sh -- a one-node Slurm cluster of the test's own, without systemd:
# Debian's slurm-wlm 22.05 and munge (scripts/setup installs them).
# Sourced by tests/lib.sh users that test the Slurm executor:
#
#   slurm_up DIR   a munge key and munged, a slurm.conf with this host as
#                  the only node (CPUs from nproc), slurmctld and slurmd,
#                  all under DIR, on free loopback ports; exports
#                  SLURM_CONF for srun, scancel and scontrol; waits until
#                  the node is idle.  Fails with a message on stderr.
#   slurm_down     stops all of them and waits until they are gone.
#
# Everything runs as the calling user (root in CI: slurmd must be root to
# run jobs as their users), with its own state, sockets and ports, so that
# several tests may each have a cluster at once.

# A free TCP port on 127.0.0.1 (the kernel picks; closed again at once).
slurm_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

slurm_up() {
	local d=$1 node ctld_port d_port mem_mb i
	SLURM_DIR=$d
	node=pkvmnode
	mkdir -p "$d/state" "$d/spool" "$d/log" "$d/munge"
	chmod 700 "$d/munge"
	# munge: a key of our own, its socket in DIR (the default one needs
	# /run/munge and a munge user).
	dd if=/dev/urandom of="$d/munge/key" bs=1024 count=1 status=none
	chmod 400 "$d/munge/key"
	munged --key-file="$d/munge/key" --socket="$d/munge/sock" \
		--pid-file="$d/munge/pid" --log-file="$d/log/munged.log" \
		--seed-file="$d/munge/seed" --force ||
		{ echo "slurm_up: munged did not start (see $d/log/munged.log)" >&2; return 1; }
	ctld_port=$(slurm_free_port)
	d_port=$(slurm_free_port)
	# Most of the memory, so jobs' --mem fits; Slurm counts in MB.
	mem_mb=$(($(awk '/MemTotal/ { print $2 }' /proc/meminfo) / 1024 * 3 / 4))
	cat >"$d/slurm.conf" <<EOF
ClusterName=pkvmtest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=$(id -un)
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$d/munge/sock
CredType=cred/munge
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool/%n
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
# Finished jobs stay visible to scontrol for 10 minutes: pkvmd reads a
# job's end state from there (no slurmdbd, so no sacct, here).
MinJobAge=600
SlurmctldTimeout=10
SlurmdTimeout=10
InactiveLimit=0
KillWait=5
NodeName=$node NodeHostname=$(hostname -s) NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$mem_mb State=UNKNOWN
PartitionName=pkvm Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
	export SLURM_CONF=$d/slurm.conf
	slurmctld -f "$SLURM_CONF" ||
		{ echo "slurm_up: slurmctld did not start (see $d/log/slurmctld.log)" >&2; return 1; }
	slurmd -f "$SLURM_CONF" -N "$node" ||
		{ echo "slurm_up: slurmd did not start (see $d/log/slurmd.log)" >&2; return 1; }
	# The node registers within a second or so: wait for it, at most 30 s.
	for i in $(seq 300); do
		case $(sinfo -h -N -o %T 2>/dev/null) in
		idle*) return 0 ;;
		esac
		sleep 0.1
	done
	echo "slurm_up: the node never became idle: $(sinfo -N 2>&1 | tail -n1)" >&2
	return 1
}

slurm_down() {
	local d=${SLURM_DIR:-} f pid i
	[ -n "$d" ] || return 0
	for f in slurmd.pid slurmctld.pid munge/pid; do
		pid=$(cat "$d/$f" 2>/dev/null) || continue
		kill "$pid" 2>/dev/null || continue
		for i in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -9 "$pid" 2>/dev/null || true
	done
	SLURM_DIR=
}
