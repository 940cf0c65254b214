#!/bin/bash
# run-bench.sh: measures daemon.ping through sock6d against PING through a
# redis-server, both on temporary UNIX sockets, with the same load generator,
# clients and pipeline depth in one run, and prints both rates and their ratio.
#
# Environment:
#   SOCK6D        path to the sock6d binary (required)
#   LOADGEN       path to the loadgen binary (required; make -C tests bench/loadgen)
#   REDIS_SERVER  redis-server to compare with (default: redis-server from PATH)
#   REDIS_CLI     redis-cli used for the readiness poll (default: from PATH;
#                 the load generator is used when it is missing)
#   DURATION      measured seconds per run (default 5)
#   WARMUP        warm-up seconds before each measured run (default 1)
#   REPEAT        measured runs per server and scenario, alternating redis and
#                 sock6d; the best rate of each is kept, and the median of
#                 the ratios of each sock6d run to the redis run just before
#                 it is shown too (default 3)
#   PIN           auto|no: pin servers and load generator to different CPUs
#                 with taskset when possible (default auto)
#
# A missed target is reported as MISSED but is not a failure: the exit status
# is 0 unless a server failed to start or a run failed (bad reply, lost
# connection, stall).

# shellcheck disable=SC2317  # functions run indirectly (trap, wait_ready)

set -u

DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
REPEAT=${REPEAT:-3}
PIN=${PIN:-auto}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_CLI=${REDIS_CLI:-redis-cli}
READY_TIMEOUT=10

# clients pipeline target (target "-" means reported only)
SCENARIOS=(
	"50 1 0.8"
	"50 16 1.0"
	"1 1 -"
)

die() {
	echo "run-bench: $*" >&2
	exit 1
}

if [ -z "${SOCK6D:-}" ] || [ ! -x "$SOCK6D" ]; then
	die "set SOCK6D to the sock6d binary (got '${SOCK6D:-}'); or run 'make bench' from the top build directory"
fi
if [ -z "${LOADGEN:-}" ] || [ ! -x "$LOADGEN" ]; then
	die "set LOADGEN to the loadgen binary (got '${LOADGEN:-}'); build it with 'make -C tests bench/loadgen'"
fi
if ! REDIS_BIN=$(command -v "$REDIS_SERVER"); then
	echo "run-bench: redis-server not found ('$REDIS_SERVER')." >&2
	echo "run-bench: the benchmark compares against Redis; install it with" >&2
	echo "    apt-get install redis-server" >&2
	echo "run-bench: or set REDIS_SERVER=/path/to/redis-server" >&2
	exit 1
fi

[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || die "REPEAT must be a positive integer (got '$REPEAT')"

DIR=$(mktemp -d "${TMPDIR:-/tmp}/sock6d-bench.XXXXXX") || die "mktemp failed"
SOCK6D_SOCK=$DIR/sock6d.sock
REDIS_SOCK=$DIR/redis.sock
SOCK6D_PID=
REDIS_PID=
LOADGEN_PID=

# Stop one process we started, by pid: TERM, then KILL if it has not gone within 5 s.
stop_pid() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

cleanup() {
	stop_pid "$LOADGEN_PID"
	stop_pid "$SOCK6D_PID"
	stop_pid "$REDIS_PID"
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The CPUs this shell may run on, one per line (expands "0-3,6").
allowed_cpus() {
	local list part
	local -a parts
	list=$(taskset -cp $$ 2>/dev/null | sed -n 's/.*: *//p')
	IFS=, read -ra parts <<<"$list"
	for part in "${parts[@]}"; do
		if [[ $part == *-* ]]; then
			seq "${part%-*}" "${part#*-}"
		elif [ -n "$part" ]; then
			echo "$part"
		fi
	done
}

SERVER_PIN=()
LOAD_PIN=()
PIN_NOTE="no pinning"
if [ "$PIN" != no ] && command -v taskset >/dev/null; then
	mapfile -t CPUS < <(allowed_cpus)
	if [ "${#CPUS[@]}" -ge 2 ]; then
		SERVER_PIN=(taskset -c "${CPUS[0]}")
		LOAD_PIN=(taskset -c "${CPUS[1]}")
		PIN_NOTE="servers on CPU ${CPUS[0]}, loadgen on CPU ${CPUS[1]}"
	fi
fi

# Poll a probe command until it succeeds, the server dies or the deadline
# passes; the sleep is the poll interval, not a readiness guess.
wait_ready() {
	local name=$1 pid=$2 log=$3
	shift 3
	local deadline=$((SECONDS + READY_TIMEOUT))
	while :; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "run-bench: $name exited before it was ready; its log:" >&2
			cat "$log" >&2
			return 1
		fi
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		if ((SECONDS >= deadline)); then
			echo "run-bench: $name not ready after ${READY_TIMEOUT}s; its log:" >&2
			cat "$log" >&2
			return 1
		fi
		sleep 0.02
	done
}

probe_sock6d() {
	"$LOADGEN" --unix "$SOCK6D_SOCK" --proto jsonrpc --clients 1 --requests 1 \
		--warmup 0 --timeout 1 --quiet
}

probe_redis() {
	if command -v "$REDIS_CLI" >/dev/null; then
		[ "$("$REDIS_CLI" -s "$REDIS_SOCK" PING 2>/dev/null)" = PONG ]
	else
		"$LOADGEN" --unix "$REDIS_SOCK" --proto resp --clients 1 --requests 1 \
			--warmup 0 --timeout 1 --quiet
	fi
}

"${SERVER_PIN[@]}" "$REDIS_BIN" --port 0 --unixsocket "$REDIS_SOCK" \
	--save '' --appendonly no --daemonize no --dir "$DIR" \
	>"$DIR/redis.log" 2>&1 &
REDIS_PID=$!
"${SERVER_PIN[@]}" "$SOCK6D" --socket "$SOCK6D_SOCK" --log-level warn \
	>"$DIR/sock6d.log" 2>&1 &
SOCK6D_PID=$!

wait_ready redis-server "$REDIS_PID" "$DIR/redis.log" probe_redis || exit 1
wait_ready sock6d "$SOCK6D_PID" "$DIR/sock6d.log" probe_sock6d || exit 1

echo "sock6d benchmark: daemon.ping (sock6d) vs PING (redis) over UNIX stream sockets"
echo "  sock6d:  $SOCK6D"
echo "  redis:   $("$REDIS_BIN" --version | head -n 1)"
echo "  machine: $(nproc) CPUs available, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "  method:  same loadgen for both, ${WARMUP}s warm-up + ${DURATION}s measured per run,"
echo "           best of $REPEAT run(s) each, $PIN_NOTE"
echo

FAILED=0
declare -A DEAD=()

# True while the server is running; on its death, says how it ended (once).
server_alive() {
	local name=$1 pid=$2 log=$3 rc how
	kill -0 "$pid" 2>/dev/null && return 0
	if [ -z "${DEAD[$name]:-}" ]; then
		wait "$pid" 2>/dev/null
		rc=$?
		how="exit status $rc"
		((rc > 128)) && how="signal $(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128)))"
		echo "run-bench: $name died ($how); its log:" >&2
		sed 's/^/    /' "$log" >&2
		DEAD[$name]=1
		FAILED=1
	fi
	return 1
}

# Run the load generator once; prints its result line, sets RATE.
run_one() {
	local name=$1 proto=$2 sock=$3 clients=$4 pipeline=$5 out rc
	RATE=
	if [ "$name" = redis ]; then
		server_alive redis-server "$REDIS_PID" "$DIR/redis.log" || return
	else
		server_alive sock6d "$SOCK6D_PID" "$DIR/sock6d.log" || return
	fi
	# In the background so a signal's trap runs at once, not after the run.
	"${LOAD_PIN[@]}" "$LOADGEN" --unix "$sock" --proto "$proto" \
		--clients "$clients" --pipeline "$pipeline" \
		--duration "$DURATION" --warmup "$WARMUP" \
		>"$DIR/loadgen.out" 2>"$DIR/loadgen.err" &
	LOADGEN_PID=$!
	wait "$LOADGEN_PID"
	rc=$?
	LOADGEN_PID=
	out=$(<"$DIR/loadgen.out")
	printf '  %-7s %s\n' "$name" "$out"
	RATE=$(sed -n 's/.* rate=\([0-9]*\).*/\1/p' <<<"$out")
	if [ "$rc" -ne 0 ] || [ -z "$RATE" ]; then
		echo "  $name run FAILED (loadgen exit $rc):" >&2
		sed 's/^/    /' "$DIR/loadgen.err" >&2
		RATE=
		FAILED=1
	fi
}

# The larger of two rates; a failed run (empty) poisons the result.
best() {
	if [ -z "$2" ] || [ "$1" = FAIL ]; then
		echo FAIL
	elif [ -z "$1" ] || (($2 > $1)); then
		echo "$2"
	else
		echo "$1"
	fi
}

# The median of its arguments (numbers), to two decimals; "-" for none.
median() {
	[ $# -gt 0 ] || { echo -; return; }
	printf '%s\n' "$@" | sort -g |
		awk '{ v[NR] = $1 } END { printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ROWS=()
MISSED=0
for s in "${SCENARIOS[@]}"; do
	read -r clients pipeline target <<<"$s"
	label="$clients client$([ "$clients" = 1 ] || echo s), pipeline $pipeline"
	echo "$label:"
	redis_rate='' sock6d_rate=''
	pairs=()
	for ((i = 0; i < REPEAT; i++)); do
		run_one redis resp "$REDIS_SOCK" "$clients" "$pipeline"
		redis_rate=$(best "$redis_rate" "$RATE")
		pair_redis=$RATE
		run_one sock6d jsonrpc "$SOCK6D_SOCK" "$clients" "$pipeline"
		sock6d_rate=$(best "$sock6d_rate" "$RATE")
		if [ -n "$pair_redis" ] && [ "$pair_redis" != 0 ] && [ -n "$RATE" ]; then
			pairs+=("$(awk -v a="$RATE" -v b="$pair_redis" 'BEGIN { printf "%.4f", a / b }')")
		fi
	done
	paired=$(median "${pairs[@]}")
	if [ "$redis_rate" = FAIL ] || [ "$sock6d_rate" = FAIL ] || [ "$redis_rate" = 0 ]; then
		ratio=-
		verdict=FAILED
	else
		ratio=$(awk -v a="$sock6d_rate" -v b="$redis_rate" 'BEGIN { printf "%.2f", a / b }')
		if [ "$target" = - ]; then
			verdict=-
		elif awk -v a="$sock6d_rate" -v b="$redis_rate" -v t="$target" \
			'BEGIN { exit !(a / b >= t) }'; then
			verdict=ok
		else
			verdict=MISSED
			MISSED=$((MISSED + 1))
		fi
	fi
	ROWS+=("$label|$redis_rate|$sock6d_rate|$ratio|$paired|$target|$verdict")
done

echo
printf '%-24s %12s %13s %6s %7s %7s  %s\n' scenario "redis req/s" "sock6d req/s" ratio paired target "ok?"
for row in "${ROWS[@]}"; do
	IFS='|' read -r label r s ratio paired target verdict <<<"$row"
	[ "$target" = - ] || target=">=$target"
	printf '%-24s %12s %13s %6s %7s %7s  %s\n' "$label" "$r" "$s" "$ratio" "$paired" "$target" "$verdict"
done
echo

server_alive redis-server "$REDIS_PID" "$DIR/redis.log"
server_alive sock6d "$SOCK6D_PID" "$DIR/sock6d.log"

if [ "$FAILED" -ne 0 ]; then
	echo "RESULT: FAILED (a run did not complete cleanly; figures above are not valid)"
	exit 1
elif [ "$MISSED" -ne 0 ]; then
	echo "RESULT: MISSED $MISSED target(s) (reported, not asserted)"
else
	echo "RESULT: all targets met"
fi
exit 0
