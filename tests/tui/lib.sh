# lib.sh - helpers for driving the real flowlens binary in tmux.
# Sourced by run.sh, screenshots.sh and bench.sh.  Needs $FLOWLENS and $work.
# Every tmux call goes to a private server (-L flowlens-test-PID, no user
# config), so tests never touch anyone else's tmux.

sock="flowlens-test-$$"

tm() {
	tmux -L "$sock" -f /dev/null "$@"
}

# ui_start NAME WIDTH HEIGHT COMMAND: a detached session running COMMAND
# with private XDG directories; the pane stays after the command exits.
ui_start() {
	name=$1 w=$2 h=$3
	shift 3
	# In $work: files the UI writes by default (exports) stay out of the
	# repository.
	tm new-session -d -s "$name" -x "$w" -y "$h" -c "$work" \
	    "env XDG_STATE_HOME='$work/state' XDG_CONFIG_HOME='$work/cfg' $*; echo EXIT=\$?; sleep 600"
	tm set-option -t "$name" -g remain-on-exit on > /dev/null 2>&1 || true
}

# ui_init: a placeholder session keeps the private server up between
# tests (a server whose last session ends exits, racing the next start).
ui_init() {
	tm new-session -d -s _keep "sleep 3600"
}

screen() {	# screen NAME: the pane as plain text
	tm capture-pane -p -t "$1" 2>/dev/null
}

# wait_for NAME REGEX [SECONDS]: poll the pane until REGEX matches.
wait_for() {
	_deadline=$(( $(date +%s) + ${3:-10} ))
	while [ "$(date +%s)" -le "$_deadline" ]; do
		if screen "$1" | grep -Eq -- "$2"; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# settle NAME: wait until no panel says "reading..." (the first snapshot
# for new parameters is published before its top lists).
settle() {
	_deadline=$(( $(date +%s) + 15 ))
	while screen "$1" | grep -q "reading\.\.\." &&
	    [ "$(date +%s)" -le "$_deadline" ]; do
		sleep 0.1
	done
}

keys() {	# keys NAME KEY...
	_n=$1
	shift
	tm send-keys -t "$_n" "$@"
}

ui_stop() {
	tm kill-session -t "$1" 2>/dev/null || true
}

ui_cleanup() {
	tm kill-server 2>/dev/null || true
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"
}
