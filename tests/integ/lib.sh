# Shared helpers for the integration tests; sourced by every *.test.
# Each test gets a private directory, and everything it started is killed
# when it exits. A sanitizer report in any daemon's log fails the test.
set -u

TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/zoned-test.XXXXXX")
DAEMON_PIDS=""
FAILED=0

cleanup() {
	rc=$?
	for pid in $DAEMON_PIDS; do
		kill "$pid" 2>/dev/null
	done
	for pid in $DAEMON_PIDS; do
		wait "$pid" 2>/dev/null
	done
	for log in "$TEST_TMP"/*.log; do
		[ -f "$log" ] || continue
		if grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$log"; then
			echo "FAIL: sanitizer report in $log:"
			cat "$log"
			rc=1
		fi
	done
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		for log in "$TEST_TMP"/*.log; do
			[ -f "$log" ] || continue
			echo "---- $log (last 40 lines)"
			tail -n 40 "$log"
		done
	fi
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$TEST_TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*"
	exit 1
}

pass() {
	echo "ok: $*"
}

skip() {
	echo "SKIP: $*"
	exit 77
}

need_curl() {
	command -v curl >/dev/null 2>&1 || skip "curl is not installed"
}

# need_node: make node and the npm packages of tests/integ/package.json
# available (installed once per build tree with npm ci). Sets NODE_PATH.
need_node() {
	NODE=${NODE:-$(command -v node)}
	NPM=${NPM:-$(command -v npm)}
	[ -n "$NODE" ] || skip "node is not installed"
	[ -n "$NPM" ] || skip "npm is not installed"
	mkdir -p "$INTEG_BUILD"
	(
		cd "$INTEG_BUILD" || exit 1
		exec 9>"$INTEG_BUILD/.npm.lock"
		flock 9
		if [ ! -f node_modules/.zoned-installed ]; then
			if [ "$INTEG_SRC" != "$INTEG_BUILD" ]; then
				cp "$INTEG_SRC/package.json" "$INTEG_SRC/package-lock.json" . || exit 1
				chmod u+w package.json package-lock.json
			fi
			"$NPM" ci --no-audit --no-fund --loglevel=error >npm.log 2>&1 || {
				cat npm.log; exit 1; }
			touch node_modules/.zoned-installed
		fi
	) || fail "npm ci failed in $INTEG_BUILD (the npm registry is needed once)"
	NODE_PATH="$INTEG_BUILD/node_modules"
	export NODE NODE_PATH
}

# start_zoned NAME [ARGS...]: start zoned with both listeners on port 0, a
# private state dir and the example world. Sets NAME_pid, NAME_ctl (the
# control plane's base URL) and NAME_port (the client port). The log is
# $TEST_TMP/NAME.log. With STATE_FORMAT set (delta or json) it is passed
# as --state-format; otherwise zoned's default holds (binary deltas).
start_zoned() {
	name=$1; shift
	mkdir -p "$TEST_TMP/$name.state"
	"$ZONED" --client-listen 127.0.0.1:0 --control-listen 127.0.0.1:0 \
	    --state-dir "$TEST_TMP/$name.state" --area-dir "$AREA_DIR" \
	    ${STATE_FORMAT:+--state-format "$STATE_FORMAT"} \
	    --log-level debug "$@" >"$TEST_TMP/$name.log" 2>&1 &
	pid=$!
	DAEMON_PIDS="$DAEMON_PIDS $pid"
	eval "${name}_pid=$pid"
	wait_listening "$name" "$pid"
}

# wait_listening NAME PID: wait for both "listening" log lines.
wait_listening() {
	i=0
	while [ $i -lt 100 ]; do
		ctl=$(sed -n 's/.*listening on=control address=\([^ ]*\).*/\1/p' "$TEST_TMP/$1.log" | tail -n 1)
		cli=$(sed -n 's/.*listening on=client address=[^ ]*:\([0-9]*\).*/\1/p' "$TEST_TMP/$1.log" | tail -n 1)
		if [ -n "$ctl" ] && [ -n "$cli" ]; then
			eval "${1}_ctl=http://$ctl"
			eval "${1}_port=$cli"
			return 0
		fi
		kill -0 "$2" 2>/dev/null || { cat "$TEST_TMP/$1.log"; fail "$1 exited during start-up"; }
		sleep 0.1
		i=$((i + 1))
	done
	fail "$1 did not start listening within 10 s"
}

# http METHOD URL [BODY] [EXTRA CURL ARGS...]: prints the body; the status
# code is left in $HTTP_CODE.
http() {
	method=$1 url=$2; shift 2
	body=""
	if [ $# -gt 0 ]; then body=$1; shift; fi
	if [ -n "$body" ]; then
		HTTP_CODE=$(curl -sS -o "$TEST_TMP/http.body" -w '%{http_code}' \
		    -X "$method" -H 'Content-Type: application/json' \
		    --data-binary "$body" "$@" "$url")
	else
		HTTP_CODE=$(curl -sS -o "$TEST_TMP/http.body" -w '%{http_code}' \
		    -X "$method" "$@" "$url")
	fi
	cat "$TEST_TMP/http.body"
}

# expect_code WANT WHAT: fail unless the last http call answered WANT.
expect_code() {
	[ "$HTTP_CODE" = "$1" ] || fail "$2: expected HTTP $1, got $HTTP_CODE: $(cat "$TEST_TMP/http.body")"
	pass "$2 -> $1"
}
