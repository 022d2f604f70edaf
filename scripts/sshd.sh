#!/usr/bin/env bash
# scripts/sshd.sh install|up|down|status — a throwaway OpenSSH server on loopback for deploy's SSH/SFTP tests.
#
# Everything it creates lives in .services/sshd/ of this checkout (git-ignored), or in sshd/ of $RTDW_SERVICES_DIR
# when that is set (as scripts/services.sh does): host key, client key, authorized_keys, sshd_config, pid file and
# log. `up` is idempotent: a server of that dir that already answers with its host key is reused. It refuses a port
# that another process holds, and after a start checks that the server answering is the one it started.
# On success `up` and `status` print the two variables the integration tests read:
#   RTDW_TEST_SSH=root@127.0.0.1:2222
#   RTDW_TEST_SSH_KEY=/path/to/.services/sshd/client_ed25519
#   RTDW_TEST_SSH_KNOWN_HOSTS=/path/to/.services/sshd/known_hosts
# Port: $RTDW_SSHD_PORT (default 2222). Installing openssh-server (when /usr/sbin/sshd is missing) needs root.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${RTDW_SERVICES_DIR:-$root/.services}/sshd"
port="${RTDW_SSHD_PORT:-2222}"
user="$(id -un)"
config="$dir/sshd_config"
pidfile="$dir/sshd.pid"
log="$dir/sshd.log"
hostkey="$dir/host_ed25519"
clientkey="$dir/client_ed25519"
knownhosts="$dir/known_hosts"

say() { printf 'sshd.sh: %s\n' "$*" >&2; }

running_pid() {
	[[ -f "$pidfile" ]] || return 1
	local pid
	pid="$(cat "$pidfile" 2>/dev/null || true)"
	[[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && { echo "$pid"; return 0; }
	return 1
}

answers() {
	# A banner on the port means sshd is accepting connections.
	local banner
	banner="$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && head -c 4 <&3" 2>/dev/null || true)"
	[[ "$banner" == "SSH-" ]]
}

# ours pid: the server on the port is pid (when ss can tell) and shows this dir's host key.
ours() {
	local lines served
	if command -v ss >/dev/null; then
		lines="$(ss -Hltnp "sport = :$port" 2>/dev/null || true)"
		[[ "$lines" == *"pid=$1,"* ]] || return 1
	fi
	command -v ssh-keyscan >/dev/null || return 0
	served="$(ssh-keyscan -T 2 -t ed25519 -p "$port" 127.0.0.1 2>/dev/null | awk '{ print $3 }')"
	[[ -n "$served" && "$served" == "$(cut -d' ' -f2 "$hostkey.pub")" ]]
}

print_env() {
	echo "RTDW_TEST_SSH=$user@127.0.0.1:$port"
	echo "RTDW_TEST_SSH_KEY=$clientkey"
	echo "RTDW_TEST_SSH_KNOWN_HOSTS=$knownhosts"
}

install_sshd() {
	[[ -x /usr/sbin/sshd ]] && return 0
	if [[ "$(id -u)" != 0 ]]; then
		say "/usr/sbin/sshd is missing and installing openssh-server needs root"
		exit 1
	fi
	say "installing openssh-server"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server >/dev/null
	# The package may try to start a system-wide sshd on port 22; that one is not ours and is left alone.
}

up() {
	install_sshd
	mkdir -p "$dir"
	chmod 700 "$dir"
	if pid="$(running_pid)"; then
		if answers && ours "$pid"; then
			print_env
			return 0
		fi
		say "pid $pid is alive but is not the server answering on port $port; restarting it"
		kill "$pid" 2>/dev/null || true
		sleep 0.2
	fi
	local who
	if who="$("$root/scripts/services.sh" who-listens "$port")"; then
		say "sshd cannot start: port $port is in use by $who; stop that or choose another port with RTDW_SSHD_PORT=<port>"
		exit 1
	fi
	[[ -f "$hostkey" ]] || ssh-keygen -q -t ed25519 -N '' -C rtdw-test-host -f "$hostkey"
	[[ -f "$clientkey" ]] || ssh-keygen -q -t ed25519 -N '' -C rtdw-test-client -f "$clientkey"
	cp "$clientkey.pub" "$dir/authorized_keys"
	chmod 600 "$dir/authorized_keys"
	# A known_hosts line for the throwaway host key, so tests can verify the server instead of trusting it blindly.
	echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$hostkey.pub")" >"$knownhosts"
	cat >"$config" <<CONF
# Written by scripts/sshd.sh: a private test server, never the system's sshd.
ListenAddress 127.0.0.1
Port $port
HostKey $hostkey
AuthorizedKeysFile $dir/authorized_keys
PidFile $pidfile
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
CONF
	mkdir -p /run/sshd
	/usr/sbin/sshd -t -f "$config"
	if ! /usr/sbin/sshd -f "$config" -E "$log"; then
		say "sshd did not start on 127.0.0.1:$port; log $log:"
		tail -n 20 "$log" >&2 || true
		exit 1
	fi
	for _ in $(seq 1 100); do
		if answers; then
			if pid="$(running_pid)" && ours "$pid"; then
				print_env
				return 0
			fi
			say "port $port answers, but not from the sshd started here (pid file $pidfile, host key $hostkey.pub); log $log:"
			tail -n 20 "$log" >&2 || true
			if pid="$(running_pid)"; then kill "$pid" 2>/dev/null || true; fi
			exit 1
		fi
		sleep 0.05
	done
	say "sshd did not answer on 127.0.0.1:$port within 5 s; log $log:"
	tail -n 20 "$log" >&2 || true
	exit 1
}

down() {
	if pid="$(running_pid)"; then
		kill "$pid"
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		say "stopped sshd (pid $pid)"
	else
		say "not running"
	fi
	rm -f "$pidfile"
}

status() {
	if pid="$(running_pid)" && answers; then
		say "running (pid $pid) on 127.0.0.1:$port"
		print_env
	else
		say "not running"
		return 1
	fi
}

case "${1:-}" in
install) install_sshd ;;
up) up ;;
down) down ;;
status) status ;;
*)
	echo "usage: $0 install|up|down|status" >&2
	exit 2
	;;
esac
