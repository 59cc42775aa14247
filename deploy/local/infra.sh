#!/usr/bin/env bash
# Local infrastructure for development and tests, without Docker:
#   * Apache Kafka 3.9 (KRaft, single node) from Maven Central jars  -> 127.0.0.1:9092
#   * FerretDB 1.24 (MongoDB wire protocol) on PostgreSQL 15 (Debian)  -> 127.0.0.1:27017
#     (the PostgreSQL cluster listens on a unix socket under the state dir only;
#      DUXUE_FERRETDB_BACKEND=sqlite runs FerretDB on SQLite files instead)
#   * optionally a 3-node KRaft cluster on loopback for fault tests    -> 127.0.0.1:19092-19094
#
# Usage: deploy/local/infra.sh <command>
#   up               install if needed, then start (or reuse) Kafka and FerretDB
#   down             stop what `up` started (data is kept)
#   status           one line per component
#   tools            make sure kcat is available (apt-get when root; failure is only a warning)
#   cluster-up       start (or reuse) the 3-node cluster
#   cluster-down     stop the 3-node cluster (data is kept)
#   cluster-kill N   SIGKILL node N of the cluster (1-3) - a crash, for fault tests
#   cluster-start N  start node N of the cluster again and wait until it serves
#   logs             print the log file paths
#
# Everything lives under $REPO/.state (override: DUXUE_STATE_DIR). Needs Java 17+, Maven and
# Go >= 1.24 for the first install, and Debian's postgresql package (apt-get installed when
# root and missing). KAFKA_BOOTSTRAP_SERVERS / MONGODB_URI, when set, mean an external
# Kafka / MongoDB is used: this script then neither installs nor starts that part.
# Ports (a second, private set of servers beside the shared one): DUXUE_KAFKA_PORT (9092),
# DUXUE_KAFKA_CONTROLLER_PORT (9093), DUXUE_FERRETDB_PORT (27017), DUXUE_PG_PORT (5432: the
# number in the unix socket's name; PostgreSQL listens on no TCP port).
# Normal output (one line per component) goes to stdout, progress and errors to stderr.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
STATE=${DUXUE_STATE_DIR:-$REPO/.state}
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd)

KAFKA_POM=$SCRIPT_DIR/kafka/pom.xml
KAFKA_LOG4J=$SCRIPT_DIR/kafka/log4j.properties
KAFKA_LIB=$STATE/kafka/lib
FERRETDB_VERSION=v1.24.2
FERRETDB_MODULE=github.com/FerretDB/FerretDB
FERRETDB_BIN=$STATE/bin/ferretdb
RUN=$STATE/run
LOGS=$STATE/logs

HOST=127.0.0.1
KAFKA_PORT=${DUXUE_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${DUXUE_KAFKA_CONTROLLER_PORT:-9093}
FERRETDB_PORT=${DUXUE_FERRETDB_PORT:-27017}
FERRETDB_BACKEND=${DUXUE_FERRETDB_BACKEND:-postgresql}
PG_PORT=${DUXUE_PG_PORT:-5432}
# FerretDB's pool must exceed the statements one update command holds open (the stall in
# docs/operations.md); PostgreSQL's max_connections must exceed the pool.
PG_POOL_MAX_CONNS=400
PG_MAX_CONNECTIONS=450
PG_START_TIMEOUT=${DUXUE_PG_START_TIMEOUT:-60}
CLUSTER_NODES=(1 2 3)
CLUSTER_BROKER_PORT_BASE=19091      # node N -> 19091+N (19092..19094)
CLUSTER_CONTROLLER_PORT_BASE=19191  # node N -> 19191+N (19192..19194)

KAFKA_START_TIMEOUT=${DUXUE_KAFKA_START_TIMEOUT:-120}
FERRETDB_START_TIMEOUT=${DUXUE_FERRETDB_START_TIMEOUT:-60}
STOP_TIMEOUT=20
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

say() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM"; }

# ---------------------------------------------------------------------------- locking
LOCKED=0
take_lock() {
  [[ $LOCKED == 1 ]] && return 0
  exec 9>"$STATE/infra.lock"
  if ! flock -n 9; then
    say "infra.sh: another infra.sh is running; waiting for it (lock $STATE/infra.lock)"
    flock -w 1200 9 || die "gave up waiting for the lock $STATE/infra.lock after 20 minutes"
  fi
  LOCKED=1
}

# ---------------------------------------------------------------------------- prerequisites
need_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "Java 17+ is needed to run Kafka (java not found)"
  local out v major
  out=$("$JAVA" -version 2>&1) || true
  [[ $out =~ version\ \"([^\"]*)\" ]] && v=${BASH_REMATCH[1]} || v=
  major=${v%%.*}
  [[ $major == 1 ]] && major=$(cut -d. -f2 <<<"$v")
  [[ $major =~ ^[0-9]+$ ]] || die "Java 17+ is needed to run Kafka (cannot read the version of $JAVA: '$v')"
  ((major >= 17)) || die "Java 17+ is needed to run Kafka (found Java $v)"
}

need_mvn() {
  command -v mvn >/dev/null 2>&1 || die "Maven is needed to install the Kafka jars (mvn not found)"
}

need_go() {
  command -v go >/dev/null 2>&1 || die "Go 1.24+ is needed to build FerretDB (go not found)"
  local v maj min
  v=$(GOTOOLCHAIN=local go env GOVERSION 2>/dev/null || true)
  [[ $v =~ ^go([0-9]+)\.([0-9]+) ]] || die "Go 1.24+ is needed to build FerretDB (cannot read the version of go: '$v')"
  maj=${BASH_REMATCH[1]} min=${BASH_REMATCH[2]}
  ((maj > 1 || (maj == 1 && min >= 24))) ||
    die "Go 1.24+ is needed to build FerretDB $FERRETDB_VERSION (found $v; toolchain downloads are disabled, install a newer Go)"
}

# ---------------------------------------------------------------------------- installation
kafka_marker() { printf 'pom-sha256=%s\n' "$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)"; }

install_kafka() {
  local marker=$KAFKA_LIB/.installed want
  want=$(kafka_marker)
  if [[ -f $marker && $(cat "$marker") == "$want" ]] && compgen -G "$KAFKA_LIB/kafka_2.13-*.jar" >/dev/null; then
    return 0
  fi
  if compgen -G "$KAFKA_LIB/kafka_2.13-*.jar" >/dev/null && kafka_any_running; then
    say "warning: $KAFKA_POM changed, but a Kafka started by infra.sh runs from the installed jars; keeping them until 'infra.sh down' / 'cluster-down'"
    return 0
  fi
  need_mvn
  local t0=$SECONDS tmp=$STATE/kafka/lib.tmp log=$LOGS/install-kafka.log
  say "infra.sh: installing Kafka $(kafka_version) jars into $KAFKA_LIB (maven) ..."
  rm -rf "$tmp"
  mkdir -p "$tmp" "$LOGS"
  if ! mvn -q -B -f "$KAFKA_POM" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$tmp" >"$log" 2>&1 </dev/null; then
    tail -n 20 "$log" >&2
    die "installing the Kafka jars with maven failed (full output: $log)"
  fi
  compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || die "maven ran but no kafka_2.13 jar arrived in $tmp (see $log)"
  printf '%s\n' "$want" >"$tmp/.installed"
  rm -rf "$KAFKA_LIB"
  mv "$tmp" "$KAFKA_LIB"
  say "infra.sh: Kafka jars installed in $((SECONDS - t0))s"
}

# `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds, but the binary panics at
# start ("Invalid build/version/version.txt file content"): that file is generated by upstream's
# release tooling and is not in the module. So: download the module, copy it to a writable
# directory, write build/version/version.txt, and `go build` cmd/ferretdb there.
ferretdb_installed() {
  local marker=$STATE/bin/.ferretdb.version
  [[ -x $FERRETDB_BIN && -f $marker && $(cat "$marker") == "$FERRETDB_VERSION" ]]
}

install_ferretdb() {
  ferretdb_installed && return 0
  need_go
  local t0=$SECONDS tmp=$STATE/bin/.install log=$LOGS/install-ferretdb.log src=$STATE/src/ferretdb moddir
  say "infra.sh: building FerretDB $FERRETDB_VERSION into $STATE/bin (go) ..."
  rm -rf "$tmp" "$src"
  mkdir -p "$tmp" "$LOGS" "$STATE/src"
  : >"$log"
  export GOTOOLCHAIN=local CGO_ENABLED=0 GO111MODULE=on
  moddir=$(cd "$STATE/src" && go mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION" 2>>"$log" </dev/null |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p') || true
  if [[ -z $moddir || ! -f $moddir/go.mod ]]; then
    tail -n 20 "$log" >&2
    die "downloading the FerretDB module with go failed (full output: $log)"
  fi
  cp -R "$moddir" "$src"
  chmod -R u+w "$src"
  printf '%s\n' "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  printf '%s\n' "duxue-local" >"$src/build/version/package.txt"
  if ! (cd "$src" && go build -buildvcs=false -trimpath -o "$tmp/ferretdb" ./cmd/ferretdb) >>"$log" 2>&1 </dev/null; then
    tail -n 20 "$log" >&2
    die "building FerretDB with go failed (full output: $log)"
  fi
  [[ -x $tmp/ferretdb ]] || die "go build ran but $tmp/ferretdb is missing (see $log)"
  "$tmp/ferretdb" --version >>"$log" 2>&1 || die "the FerretDB binary just built does not run (see $log)"
  mkdir -p "$(dirname "$FERRETDB_BIN")"
  mv -f "$tmp/ferretdb" "$FERRETDB_BIN"
  rm -rf "$tmp" "$src"
  printf '%s\n' "$FERRETDB_VERSION" >"$STATE/bin/.ferretdb.version"
  say "infra.sh: FerretDB built in $((SECONDS - t0))s"
}

# ---------------------------------------------------------------------------- processes
# Print the pid recorded in pid file $1 if that process is alive and its command line
# contains $2 (a path unique to this state dir); otherwise remove the stale pid file.
our_pid() {
  local pidfile=$1 marker=$2 pid
  [[ -f $pidfile ]] || return 0
  pid=$(<"$pidfile")
  if [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] &&
    [[ $(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null) == *"$marker"* ]]; then
    printf '%s\n' "$pid"
  else
    rm -f "$pidfile"
  fi
}

# Is any Kafka JVM that infra.sh started (single node or cluster) alive?
kafka_any_running() {
  local n
  [[ -n $(our_pid "$SINGLE_PID" "$SINGLE_CFG") ]] && return 0
  for n in "${CLUSTER_NODES[@]}"; do
    [[ -n $(our_pid "$(node_pidfile "$n")" "$(node_cfg "$n")") ]] && return 0
  done
  return 1
}

# Socket inodes listening on TCP port $1 (IPv4 and IPv6).
listen_inodes() {
  local hex
  hex=$(printf '%04X' "$1")
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
    awk -v p="$hex" 'NR > 1 && $4 == "0A" { n = split($2, a, ":"); if (a[n] == p) print $10 }'
}

# Does process $1 hold a listening socket among inodes $2...?
pid_has_socket() {
  local pid=$1 alt fds
  shift
  alt=$(IFS='|'; printf '%s' "$*")
  # Not `ls | grep -q`: grep quitting early makes ls die of SIGPIPE, and pipefail fails the test.
  fds=$(ls -l "/proc/$pid/fd" 2>/dev/null) || true
  [[ $fds =~ socket:\[($alt)\] ]]
}

# Describe who holds port $1 ("pid 123 (java)"), best effort.
port_holder() {
  local inodes pid
  mapfile -t inodes < <(listen_inodes "$1")
  ((${#inodes[@]})) || return 0
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    if pid_has_socket "$pid" "${inodes[@]}"; then
      printf 'pid %s (%s)' "$pid" "$(cat "/proc/$pid/comm" 2>/dev/null || echo '?')"
      return 0
    fi
  done
  printf 'another process'
}

# Fail unless every port in $2... is free or held by pid $1 (may be empty).
check_ports() {
  local pid=$1 port inodes
  shift
  for port in "$@"; do
    mapfile -t inodes < <(listen_inodes "$port")
    ((${#inodes[@]})) || continue
    [[ -n $pid ]] && pid_has_socket "$pid" "${inodes[@]}" && continue
    die "port $HOST:$port is already in use by $(port_holder "$port"), which infra.sh did not start; stop it or set the matching env override"
  done
}

# Start a detached process; $1 = pid file, $2 = stdout/stderr file, rest = command.
# setsid: own session, so a Ctrl-C in the caller's terminal does not reach it;
# 9>&- : the child must not inherit the lock.
launch() {
  local pidfile=$1 out=$2 pid
  shift 2
  mkdir -p "$RUN" "$(dirname "$out")"
  printf '\n==== %s infra.sh start: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$out"
  # The subshell execs setsid, which (not being a group leader) execs the command: $! is its pid.
  (cd "$STATE" && exec setsid "$@" </dev/null >>"$out" 2>&1 9>&-) &
  pid=$!
  printf '%s\n' "$pid" >"$pidfile"
  LAUNCHED_PID=$pid
}

# Stop pid $1 gracefully (TERM, then KILL after $3 or $STOP_TIMEOUT s); $2 = name for messages,
# $4 = why it may not stop (optional).
stop_pid() {
  local pid=$1 name=$2 limit=${3:-$STOP_TIMEOUT} why=${4:-} i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < limit * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]] && return 0
    sleep 0.1
  done
  say "infra.sh: $name (pid $pid) did not stop within ${limit}s${why:+ ($why)}; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}

# ---------------------------------------------------------------------------- health probes
# Kafka: send a Metadata v4 request (no topics) and expect a reply naming >= 1 broker.
kafka_probe() {
  # shellcheck disable=SC2016  # the script runs in the child bash
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    # size=20 | api_key=3 api_version=4 corr_id=0x0D0C0B0A client_id="probe" | topics=[] allow_auto_create=false
    printf "\x00\x00\x00\x14\x00\x03\x00\x04\x0d\x0c\x0b\x0a\x00\x05probe\x00\x00\x00\x00\x00" >&3
    read -r -a b < <(head -c 16 <&3 | od -An -tu1 -v | tr -s " \n" "  ")
    # b[0..3] size, b[4..7] corr id, b[8..11] throttle, b[12..15] broker count
    [[ ${#b[@]} -eq 16 && ${b[4]} == 13 && ${b[5]} == 12 && ${b[6]} == 11 && ${b[7]} == 10 ]] || exit 1
    (( (b[12] << 24 | b[13] << 16 | b[14] << 8 | b[15]) >= 1 )) || exit 1
    # Drain the rest of the reply so that closing does not reset the connection.
    n=$(( (b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]) - 12 ))
    (( n <= 0 )) || head -c "$n" <&3 >/dev/null
  ' "$HOST" "$1" 2>/dev/null
}

# FerretDB: send OP_MSG {hello: 1, $db: "admin"} and expect an OP_MSG reply to it.
mongo_probe() {
  # shellcheck disable=SC2016  # the script runs in the child bash
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "\x34\x00\x00\x00\x07\x00\x00\x00\x00\x00\x00\x00\xdd\x07\x00\x00\x00\x00\x00\x00\x00\x1f\x00\x00\x00\x10hello\x00\x01\x00\x00\x00\x02\x24db\x00\x06\x00\x00\x00admin\x00\x00" >&3
    read -r -a b < <(head -c 16 <&3 | od -An -tu1 -v | tr -s " \n" "  ")
    # header: length, request id, response to (= 7), opcode (= 2013 OP_MSG)
    [[ ${#b[@]} -eq 16 && ${b[8]} == 7 && ${b[12]} == 221 && ${b[13]} == 7 ]] || exit 1
    n=$(( (b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0]) - 16 ))
    (( n <= 0 )) || head -c "$n" <&3 >/dev/null
  ' "$HOST" "$1" 2>/dev/null
}

# Wait until probe "$3 $4" succeeds while pid $1 lives; $2 = name, $5 = timeout, $6.. = logs.
wait_ready() {
  local pid=$1 name=$2 probe=$3 port=$4 limit=$5
  shift 5
  local deadline=$((SECONDS + limit)) f
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null || [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]]; then
      say "error: $name (pid $pid) exited during startup; last log lines:"
      for f in "$@"; do [[ -s $f ]] && { say "--- $f"; tail -n 25 "$f" >&2; }; done
      exit 1
    fi
    "$probe" "$port" && return 0
    sleep 0.5
  done
  say "error: $name (pid $pid) did not become ready on $HOST:$port within ${limit}s; last log lines:"
  for f in "$@"; do [[ -s $f ]] && { say "--- $f"; tail -n 25 "$f" >&2; }; done
  say "(it is left running; 'infra.sh down' / 'cluster-down' stops it)"
  exit 1
}

# ---------------------------------------------------------------------------- Kafka nodes
# Write server.properties for a node. Args: file node_id broker_port controller_port voters data_dir rf min_isr
write_kafka_config() {
  local file=$1 id=$2 bport=$3 cport=$4 voters=$5 data=$6 rf=$7 isr=$8 extra=${9:-}
  local tmp=$file.tmp
  mkdir -p "$(dirname "$file")" "$data"
  cat >"$tmp" <<EOF
# Generated by deploy/local/infra.sh - edits are overwritten.
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
listeners=PLAINTEXT://$HOST:$bport,CONTROLLER://$HOST:$cport
advertised.listeners=PLAINTEXT://$HOST:$bport
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$data
num.partitions=3
auto.create.topics.enable=false
default.replication.factor=$rf
min.insync.replicas=$isr
offsets.topic.replication.factor=$rf
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
group.initial.rebalance.delay.ms=0
num.network.threads=3
num.io.threads=8
$extra
EOF
  if [[ -f $file ]] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
    CONFIG_CHANGED=0
  else
    mv -f "$tmp" "$file"
    CONFIG_CHANGED=1
  fi
}

# Cluster id: kept in file $1 (or recovered from an existing meta.properties in $2).
cluster_id() {
  local idfile=$1 data=$2 id
  if [[ -s $idfile ]]; then cat "$idfile"; return 0; fi
  if [[ -f $data/meta.properties ]]; then
    id=$(sed -n 's/^cluster.id=//p' "$data/meta.properties")
  else
    id=$("$JAVA" -cp "$KAFKA_LIB/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)
  fi
  [[ $id =~ ^[A-Za-z0-9_-]{22}$ ]] || die "could not obtain a Kafka cluster id (got '$id')"
  printf '%s\n' "$id" >"$idfile"
  printf '%s\n' "$id"
}

# Format a node's storage once. Args: config data_dir cluster_id log
format_storage() {
  local cfg=$1 data=$2 id=$3 log=$4
  [[ -f $data/meta.properties ]] && return 0
  mkdir -p "$(dirname "$log")"
  if ! "$JAVA" -cp "$KAFKA_LIB/*" -Dlog4j.configuration="file:$KAFKA_LOG4J" -Dkafka.logs.dir="$(dirname "$log")" \
      kafka.tools.StorageTool format -t "$id" -c "$cfg" --ignore-formatted >>"$log" 2>&1 </dev/null; then
    tail -n 20 "$log" >&2
    die "formatting Kafka storage $data failed (see $log)"
  fi
}

# Start (or reuse) one Kafka node. Args: name pidfile config logdir broker_port controller_port heap [wait]
# Sets NODE_PID and NODE_STATE (reused|started).
start_kafka_node() {
  local name=$1 pidfile=$2 cfg=$3 logdir=$4 bport=$5 cport=$6 heap=$7 wait=${8:-wait}
  local pid
  pid=$(our_pid "$pidfile" "$cfg")
  check_ports "$pid" "$bport" "$cport"
  if [[ -n $pid ]]; then
    NODE_PID=$pid NODE_STATE=reused
    [[ $wait == wait ]] && ! kafka_probe "$bport" &&
      wait_ready "$pid" "$name" kafka_probe "$bport" "$KAFKA_START_TIMEOUT" "$logdir/server.log" "$logdir/stdout.log"
    return 0
  fi
  local -a opts
  read -r -a opts <<<"${KAFKA_HEAP_OPTS:-$heap}"
  opts+=(-XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true
    "-Dlog4j.configuration=file:$KAFKA_LOG4J" "-Dkafka.logs.dir=$logdir")
  launch "$pidfile" "$logdir/stdout.log" "$JAVA" "${opts[@]}" -cp "$KAFKA_LIB/*" kafka.Kafka "$cfg"
  NODE_PID=$LAUNCHED_PID NODE_STATE=started
  [[ $wait == wait ]] &&
    wait_ready "$NODE_PID" "$name" kafka_probe "$bport" "$KAFKA_START_TIMEOUT" "$logdir/server.log" "$logdir/stdout.log"
  return 0
}

SINGLE_DIR=$STATE/kafka/single
SINGLE_CFG=$SINGLE_DIR/server.properties
SINGLE_DATA=$SINGLE_DIR/data
SINGLE_LOGDIR=$LOGS/kafka
SINGLE_PID=$RUN/kafka.pid

kafka_up() {
  if [[ -n ${KAFKA_BOOTSTRAP_SERVERS:-} ]]; then
    say "infra.sh: KAFKA_BOOTSTRAP_SERVERS is set; using the external Kafka, not starting one"
    printf 'kafka     external %s\n' "$KAFKA_BOOTSTRAP_SERVERS"
    return 0
  fi
  need_java
  local pid id
  pid=$(our_pid "$SINGLE_PID" "$SINGLE_CFG")
  # Fail fast on a foreign port holder, before spending minutes on an install.
  check_ports "$pid" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"
  write_kafka_config "$SINGLE_CFG" 1 "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" \
    "1@$HOST:$KAFKA_CONTROLLER_PORT" "$SINGLE_DATA" 1 1
  if [[ -z $pid ]]; then
    install_kafka
    id=$(cluster_id "$SINGLE_DIR/cluster.id" "$SINGLE_DATA")
    format_storage "$SINGLE_CFG" "$SINGLE_DATA" "$id" "$SINGLE_LOGDIR/format.log"
  elif [[ $CONFIG_CHANGED == 1 ]]; then
    say "warning: the running kafka (pid $pid) uses an older server.properties; 'infra.sh down && infra.sh up' applies the new one"
  fi
  local t0=$SECONDS
  start_kafka_node kafka "$SINGLE_PID" "$SINGLE_CFG" "$SINGLE_LOGDIR" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "-Xms256m -Xmx1g"
  [[ $NODE_STATE == started ]] && say "infra.sh: kafka ready in $((SECONDS - t0))s"
  printf 'kafka     %s:%s (controller %s:%s) %s pid=%s\n' "$HOST" "$KAFKA_PORT" "$HOST" "$KAFKA_CONTROLLER_PORT" "$NODE_STATE" "$NODE_PID"
}

# ---------------------------------------------------------------------------- PostgreSQL
# Debian's PostgreSQL (15 on these machines) as FerretDB's storage. initdb and postgres refuse
# to run as root, so as root the cluster runs as the `postgres` system user (setpriv: no extra
# process in between, so the pid file holds the postmaster's pid). It listens on a unix socket
# in its own directory only (listen_addresses=''), never on a TCP port.
PG_ROOT=$STATE/postgres
PG_LOG=$LOGS/postgres.log
PG_PIDFILE=$RUN/postgres.pid

pg_bindir() {
  local d
  if [[ -n ${DUXUE_PG_BIN:-} ]]; then printf '%s\n' "$DUXUE_PG_BIN"; return 0; fi
  [[ -x /usr/lib/postgresql/15/bin/postgres ]] && { printf '%s\n' /usr/lib/postgresql/15/bin; return 0; }
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x $d/postgres ]] && { printf '%s\n' "$d"; return 0; }
  done
  return 0
}

# Run a command as the cluster's owner (postgres when we are root, else ourselves).
as_pg() {
  if [[ $(id -u) == 0 ]]; then
    setpriv --reuid=postgres --regid=postgres --init-groups --reset-env -- "$@"
  else
    "$@"
  fi
}

# Where the cluster lives: under the state dir when its owner can reach it, else (a state
# dir under a private home, e.g. /root/...) under postgres's own home, one per state dir.
pg_paths() {
  PG_BIN=$(pg_bindir)
  if [[ $(id -u) != 0 ]] || as_pg test -x "$STATE" 2>/dev/null; then
    PG_ROOT=$STATE/postgres
  else
    PG_ROOT=/var/lib/postgresql/duxue-$(printf '%s' "$STATE" | sha256sum | cut -c1-12)
  fi
  PG_DATA=$PG_ROOT/data
  PG_SOCKDIR=$PG_ROOT/run
}

install_postgres() {
  [[ -n $PG_BIN && -x $PG_BIN/postgres && -x $PG_BIN/initdb ]] && return 0
  [[ $(id -u) == 0 ]] || die "PostgreSQL is not installed and this is not root: 'apt-get install postgresql' (or set DUXUE_FERRETDB_BACKEND=sqlite)"
  local log=$LOGS/install-postgres.log t0=$SECONDS
  say "infra.sh: installing PostgreSQL with apt-get ..."
  # Debian's package creates and starts a cluster of its own on port 5432 unless told not to.
  mkdir -p /etc/postgresql-common/createcluster.d
  printf 'create_main_cluster = false\n' >/etc/postgresql-common/createcluster.d/duxue.conf
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >"$log" 2>&1 </dev/null; then
    tail -n 20 "$log" >&2
    die "installing PostgreSQL with apt-get failed (full output: $log)"
  fi
  PG_BIN=$(pg_bindir)
  [[ -n $PG_BIN ]] || die "apt-get installed postgresql but no /usr/lib/postgresql/*/bin/postgres exists (see $log)"
  say "infra.sh: PostgreSQL installed in $((SECONDS - t0))s"
}

pg_probe() { "$PG_BIN/pg_isready" -q -h "$PG_SOCKDIR" -p "$PG_PORT" -d postgres -U postgres -t 2 >/dev/null 2>&1; }

# The settings (measured in docs/operations.md). synchronous_commit stays on: a commit the
# API acknowledged survives a crash of the machine, as the benchmark's "durable writes" need.
# plan_cache_mode: FerretDB's prepared statements name the field as a parameter
# (`_jsonb->$1 @> $2`); only a custom plan sees the field and can pick its GIN index.
pg_settings() {
  printf '%s\n' \
    "-c" "listen_addresses=" \
    "-c" "unix_socket_directories=$PG_SOCKDIR" \
    "-c" "port=$PG_PORT" \
    "-c" "max_connections=$PG_MAX_CONNECTIONS" \
    "-c" "shared_buffers=${DUXUE_PG_SHARED_BUFFERS:-256MB}" \
    "-c" "synchronous_commit=${DUXUE_PG_SYNCHRONOUS_COMMIT:-on}" \
    "-c" "max_wal_size=2GB" \
    "-c" "checkpoint_timeout=15min" \
    "-c" "plan_cache_mode=force_custom_plan" \
    "-c" "logging_collector=off" \
    "-c" "log_min_messages=warning"
}

postgres_up() {
  pg_paths
  local pid state=reused t0=$SECONDS
  pid=$(our_pid "$PG_PIDFILE" "$PG_DATA")
  if [[ -z $pid ]]; then
    install_postgres
    mkdir -p "$PG_ROOT"
    [[ $(id -u) == 0 ]] && chown postgres:postgres "$PG_ROOT"
    if [[ ! -s $PG_DATA/PG_VERSION ]]; then
      as_pg mkdir -p "$PG_DATA" "$PG_SOCKDIR"
      as_pg chmod 700 "$PG_DATA"
      if ! as_pg "$PG_BIN/initdb" -D "$PG_DATA" --username=postgres --auth=trust --encoding=UTF8 \
          --locale=C.UTF-8 >>"$LOGS/postgres-initdb.log" 2>&1 </dev/null; then
        tail -n 20 "$LOGS/postgres-initdb.log" >&2
        die "initdb $PG_DATA failed (see $LOGS/postgres-initdb.log)"
      fi
    fi
    as_pg mkdir -p "$PG_SOCKDIR"
    # A postmaster killed hard leaves postmaster.pid; postgres itself checks whether that pid
    # still runs a postmaster, so a stale file is harmless.
    local -a opts
    mapfile -t opts < <(pg_settings)
    if [[ $(id -u) == 0 ]]; then
      launch "$PG_PIDFILE" "$PG_LOG" setpriv --reuid=postgres --regid=postgres --init-groups --reset-env -- \
        "$PG_BIN/postgres" -D "$PG_DATA" "${opts[@]}"
    else
      launch "$PG_PIDFILE" "$PG_LOG" "$PG_BIN/postgres" -D "$PG_DATA" "${opts[@]}"
    fi
    pid=$LAUNCHED_PID state=started
  fi
  pg_probe || wait_ready "$pid" postgres pg_probe "" "$PG_START_TIMEOUT" "$PG_LOG"
  # The GIN twins that make FerretDB's pushed-down filters use an index (see the SQL file).
  if ! "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKDIR" -p "$PG_PORT" -U postgres -d postgres \
      -c 'SET client_min_messages = warning' -f "$SCRIPT_DIR/postgres/ferretdb-gin.sql" >>"$PG_LOG" 2>&1 </dev/null; then
    tail -n 20 "$PG_LOG" >&2
    die "applying $SCRIPT_DIR/postgres/ferretdb-gin.sql failed (see $PG_LOG)"
  fi
  [[ $state == started ]] && say "infra.sh: postgres ready in $((SECONDS - t0))s"
  printf 'postgres  %s (unix socket, port %s) %s pid=%s\n' "$PG_SOCKDIR" "$PG_PORT" "$state" "$pid"
}

pg_url() { printf 'postgres://postgres@/postgres?host=%s&port=%s&pool_max_conns=%s' "$PG_SOCKDIR" "$PG_PORT" "$PG_POOL_MAX_CONNS"; }

# ---------------------------------------------------------------------------- FerretDB
FERRET_DATA=$STATE/ferretdb/data
FERRET_STATEDIR=$STATE/ferretdb/state
FERRET_LOG=$LOGS/ferretdb.log
FERRET_PID=$RUN/ferretdb.pid

# The backend a running FerretDB of ours uses ("" when none runs).
ferretdb_running_backend() {
  local pid
  pid=$(our_pid "$FERRET_PID" "--state-dir=$FERRET_STATEDIR")
  [[ -n $pid ]] || return 0
  if tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qx -- '--handler=postgresql'; then
    printf 'postgresql\n'
  else
    printf 'sqlite\n'
  fi
}

ferretdb_up() {
  if [[ -n ${MONGODB_URI:-} ]]; then
    say "infra.sh: MONGODB_URI is set; using the external MongoDB, not starting FerretDB"
    printf 'ferretdb  external %s\n' "$MONGODB_URI"
    return 0
  fi
  [[ $FERRETDB_BACKEND == postgresql || $FERRETDB_BACKEND == sqlite ]] ||
    die "DUXUE_FERRETDB_BACKEND must be postgresql or sqlite (got '$FERRETDB_BACKEND')"
  local pid state=reused t0 running
  pid=$(our_pid "$FERRET_PID" "--state-dir=$FERRET_STATEDIR")
  check_ports "$pid" "$FERRETDB_PORT"
  running=$(ferretdb_running_backend)
  if [[ -n $running && $running != "$FERRETDB_BACKEND" ]]; then
    say "warning: the running ferretdb (pid $pid) stores in $running, not $FERRETDB_BACKEND; reusing it ('infra.sh down && infra.sh up' switches)"
  fi
  [[ ${running:-$FERRETDB_BACKEND} == postgresql ]] && postgres_up
  if [[ -z $pid ]]; then
    install_ferretdb
    t0=$SECONDS
    mkdir -p "$FERRET_DATA" "$FERRET_STATEDIR"
    local -a storage
    if [[ $FERRETDB_BACKEND == postgresql ]]; then
      storage=(--handler=postgresql "--postgresql-url=$(pg_url)")
    else
      storage=(--handler=sqlite "--sqlite-url=file:$FERRET_DATA/")
    fi
    launch "$FERRET_PID" "$FERRET_LOG" "$FERRETDB_BIN" "${storage[@]}" \
      "--state-dir=$FERRET_STATEDIR" --listen-addr="$HOST:$FERRETDB_PORT" --debug-addr=- --telemetry=disable
    pid=$LAUNCHED_PID state=started running=$FERRETDB_BACKEND
  fi
  mongo_probe "$FERRETDB_PORT" || wait_ready "$pid" ferretdb mongo_probe "$FERRETDB_PORT" "$FERRETDB_START_TIMEOUT" "$FERRET_LOG"
  [[ $state == started ]] && say "infra.sh: ferretdb ready in $((SECONDS - t0))s"
  printf 'ferretdb  mongodb://%s:%s/?directConnection=true (%s) %s pid=%s\n' "$HOST" "$FERRETDB_PORT" "$running" "$state" "$pid"
}

# ---------------------------------------------------------------------------- 3-node cluster
CLUSTER_DIR=$STATE/cluster
cluster_voters() {
  local n out=()
  for n in "${CLUSTER_NODES[@]}"; do out+=("$n@$HOST:$((CLUSTER_CONTROLLER_PORT_BASE + n))"); done
  (IFS=,; printf '%s' "${out[*]}")
}
node_cfg() { printf '%s/node-%s/server.properties' "$CLUSTER_DIR" "$1"; }
node_data() { printf '%s/node-%s/data' "$CLUSTER_DIR" "$1"; }
node_logdir() { printf '%s/cluster-%s' "$LOGS" "$1"; }
node_pidfile() { printf '%s/cluster-%s.pid' "$RUN" "$1"; }
node_bport() { printf '%s' $((CLUSTER_BROKER_PORT_BASE + $1)); }
node_cport() { printf '%s' $((CLUSTER_CONTROLLER_PORT_BASE + $1)); }

check_node_arg() {
  [[ ${1:-} =~ ^[123]$ ]] || die "expected a cluster node number 1, 2 or 3 (got '${1:-}')"
}

# Prepare (config, format) and launch node $1 without waiting. Prints nothing.
cluster_start_node_nowait() {
  local n=$1 cfg data id
  cfg=$(node_cfg "$n") data=$(node_data "$n")
  write_kafka_config "$cfg" "$n" "$(node_bport "$n")" "$(node_cport "$n")" "$(cluster_voters)" "$data" 3 2 \
    "$(printf '%s\n' 'broker.heartbeat.interval.ms=1000' 'broker.session.timeout.ms=6000' 'replica.lag.time.max.ms=10000')"
  id=$(cluster_id "$CLUSTER_DIR/cluster.id" "$data")
  format_storage "$cfg" "$data" "$id" "$(node_logdir "$n")/format.log"
  start_kafka_node "cluster node $n" "$(node_pidfile "$n")" "$cfg" "$(node_logdir "$n")" \
    "$(node_bport "$n")" "$(node_cport "$n")" "-Xms256m -Xmx768m" nowait
  CLUSTER_STATE[$n]=$NODE_STATE CLUSTER_PID[$n]=$NODE_PID
}

cluster_wait_node() {
  local n=$1
  wait_ready "${CLUSTER_PID[$n]}" "cluster node $n" kafka_probe "$(node_bport "$n")" "$KAFKA_START_TIMEOUT" \
    "$(node_logdir "$n")/server.log" "$(node_logdir "$n")/stdout.log"
  printf 'cluster-%s %s:%s (controller %s:%s) %s pid=%s\n' "$n" "$HOST" "$(node_bport "$n")" "$HOST" "$(node_cport "$n")" \
    "${CLUSTER_STATE[$n]}" "${CLUSTER_PID[$n]}"
}

declare -A CLUSTER_STATE=() CLUSTER_PID=()

cluster_up() {
  need_java
  local n pid
  for n in "${CLUSTER_NODES[@]}"; do
    pid=$(our_pid "$(node_pidfile "$n")" "$(node_cfg "$n")")
    check_ports "$pid" "$(node_bport "$n")" "$(node_cport "$n")"
  done
  install_kafka
  local t0=$SECONDS
  # All nodes first: a lone node cannot elect a controller (quorum needs 2 of 3).
  for n in "${CLUSTER_NODES[@]}"; do cluster_start_node_nowait "$n"; done
  for n in "${CLUSTER_NODES[@]}"; do cluster_wait_node "$n"; done
  [[ " ${CLUSTER_STATE[*]} " == *" started "* ]] && say "infra.sh: cluster ready in $((SECONDS - t0))s"
  say "infra.sh: cluster bootstrap servers: $(cluster_bootstrap)"
}

cluster_bootstrap() {
  local n out=()
  for n in "${CLUSTER_NODES[@]}"; do out+=("$HOST:$(node_bport "$n")"); done
  (IFS=,; printf '%s' "${out[*]}")
}

cluster_start() {
  check_node_arg "${1:-}"
  need_java
  install_kafka
  cluster_start_node_nowait "$1"
  cluster_wait_node "$1"
}

cluster_kill() {
  check_node_arg "${1:-}"
  local n=$1 pid i
  pid=$(our_pid "$(node_pidfile "$n")" "$(node_cfg "$n")")
  if [[ -z $pid ]]; then
    printf 'cluster-%s was not running\n' "$n"
    return 0
  fi
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$(node_pidfile "$n")"
  printf 'cluster-%s killed (SIGKILL) pid=%s\n' "$n" "$pid"
}

stop_component() {
  local name=$1 pidfile=$2 marker=$3 pid
  pid=$(our_pid "$pidfile" "$marker")
  if [[ -z $pid ]]; then
    printf '%-9s already stopped\n' "$name"
    return 0
  fi
  stop_pid "$pid" "$name"
  rm -f "$pidfile"
  printf '%-9s stopped (pid %s)\n' "$name" "$pid"
}

cluster_down() {
  local n pid pids=()
  # TERM all nodes at once. A broker's controlled shutdown needs the controller quorum (2 of 3),
  # so whichever node is left last may wait for it in vain; it gets SIGKILL after 10s (its logs
  # are recovered at the next start).
  for n in "${CLUSTER_NODES[@]}"; do
    pid=$(our_pid "$(node_pidfile "$n")" "$(node_cfg "$n")")
    [[ -n $pid ]] && { kill -TERM "$pid" 2>/dev/null || true; pids[n]=$pid; }
  done
  for n in "${CLUSTER_NODES[@]}"; do
    if [[ -n ${pids[$n]:-} ]]; then
      stop_pid "${pids[$n]}" "cluster-$n" 10 "expected for the last node: no controller quorum left"
      rm -f "$(node_pidfile "$n")"
      printf 'cluster-%s stopped (pid %s)\n' "$n" "${pids[$n]}"
    else
      printf 'cluster-%s already stopped\n' "$n"
    fi
  done
}

# ---------------------------------------------------------------------------- tools, status, logs
tools() {
  local force=${1:-}
  local bin
  for bin in kcat kafkacat; do
    if command -v "$bin" >/dev/null 2>&1; then
      printf 'kcat      %s\n' "$(command -v "$bin")"
      return 0
    fi
  done
  local failed=$STATE/tools/kcat.install-failed
  if [[ -f $failed && $force != force ]]; then
    say "warning: kcat is not installed (an earlier install failed; run 'infra.sh tools' to retry); the kcat test fails"
    return 0
  fi
  if [[ $(id -u) != 0 ]]; then
    say "warning: kcat is not installed and this is not root, so it cannot be apt-get installed; the kcat test fails"
    return 0
  fi
  mkdir -p "$STATE/tools" "$LOGS"
  say "infra.sh: installing kcat with apt-get ..."
  if { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kcat; } >"$LOGS/install-kcat.log" 2>&1 </dev/null &&
    command -v kcat >/dev/null 2>&1; then
    rm -f "$failed"
    printf 'kcat      %s\n' "$(command -v kcat)"
  else
    date -u +%FT%TZ >"$failed"
    say "warning: installing kcat failed (see $LOGS/install-kcat.log); the kcat test fails"
  fi
}

status_line() {
  # name pidfile marker probe port address
  local name=$1 pidfile=$2 marker=$3 probe=$4 port=$5 addr=$6 pid
  pid=$(our_pid "$pidfile" "$marker")
  if [[ -z $pid ]]; then
    printf '%-9s stopped  %s\n' "$name" "$addr"
  elif "$probe" "$port"; then
    printf '%-9s running  %s pid=%s\n' "$name" "$addr" "$pid"
  else
    printf '%-9s starting %s pid=%s (process up, not answering yet)\n' "$name" "$addr" "$pid"
  fi
}

status() {
  if [[ -n ${KAFKA_BOOTSTRAP_SERVERS:-} ]]; then
    printf '%-9s external %s\n' kafka "$KAFKA_BOOTSTRAP_SERVERS"
  else
    status_line kafka "$SINGLE_PID" "$SINGLE_CFG" kafka_probe "$KAFKA_PORT" "$HOST:$KAFKA_PORT"
  fi
  if [[ -n ${MONGODB_URI:-} ]]; then
    printf '%-9s external %s\n' ferretdb "$MONGODB_URI"
  else
    local backend
    backend=$(ferretdb_running_backend)
    status_line ferretdb "$FERRET_PID" "--state-dir=$FERRET_STATEDIR" mongo_probe "$FERRETDB_PORT" \
      "mongodb://$HOST:$FERRETDB_PORT/?directConnection=true (${backend:-$FERRETDB_BACKEND})"
    pg_paths
    if [[ -n $(our_pid "$PG_PIDFILE" "$PG_DATA") || ${backend:-$FERRETDB_BACKEND} == postgresql ]]; then
      status_line postgres "$PG_PIDFILE" "$PG_DATA" pg_probe "$PG_PORT" "$PG_SOCKDIR (unix socket)"
    fi
  fi
  local n
  for n in "${CLUSTER_NODES[@]}"; do
    status_line "cluster-$n" "$(node_pidfile "$n")" "$(node_cfg "$n")" kafka_probe "$(node_bport "$n")" "$HOST:$(node_bport "$n")"
  done
}

logs() {
  local n
  printf 'kafka     %s\n' "$SINGLE_LOGDIR/server.log" "$SINGLE_LOGDIR/state-change.log" "$SINGLE_LOGDIR/stdout.log"
  printf 'ferretdb  %s\n' "$FERRET_LOG"
  printf 'postgres  %s\n' "$PG_LOG"
  for n in "${CLUSTER_NODES[@]}"; do
    printf 'cluster-%s %s\n' "$n" "$(node_logdir "$n")/server.log" "$n" "$(node_logdir "$n")/stdout.log"
  done
  printf 'install   %s\n' "$LOGS/install-kafka.log" "$LOGS/install-ferretdb.log" "$LOGS/install-kcat.log" "$LOGS/install-postgres.log"
}

usage() {
  sed -n '7,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

main() {
  local cmd=${1:-} pid
  shift || true
  mkdir -p "$RUN" "$LOGS"
  case $cmd in
    up)
      take_lock
      tools
      # On a first install, build FerretDB (CPU-bound, ~1.5 min) while Maven fetches Kafka.
      local build_pid=
      if [[ -z ${MONGODB_URI:-} ]] && ! ferretdb_installed; then
        check_ports "$(our_pid "$FERRET_PID" "--state-dir=$FERRET_STATEDIR")" "$FERRETDB_PORT"
        need_go
        install_ferretdb &
        build_pid=$!
      fi
      kafka_up
      if [[ -n $build_pid ]]; then wait "$build_pid" || exit 1; fi
      ferretdb_up
      ;;
    down)
      take_lock
      [[ -n ${KAFKA_BOOTSTRAP_SERVERS:-} ]] || stop_component kafka "$SINGLE_PID" "$SINGLE_CFG"
      if [[ -z ${MONGODB_URI:-} ]]; then
        stop_component ferretdb "$FERRET_PID" "--state-dir=$FERRET_STATEDIR"
        pg_paths
        # SIGINT is PostgreSQL's fast shutdown (SIGTERM would wait for every client to leave).
        pid=$(our_pid "$PG_PIDFILE" "$PG_DATA")
        [[ -n $pid ]] && kill -INT "$pid" 2>/dev/null
        stop_component postgres "$PG_PIDFILE" "$PG_DATA"
      fi
      ;;
    status) status ;;
    tools) take_lock; tools force ;;
    cluster-up) take_lock; cluster_up ;;
    cluster-down) take_lock; cluster_down ;;
    cluster-kill) take_lock; cluster_kill "${1:-}" ;;
    cluster-start) take_lock; cluster_start "${1:-}" ;;
    logs) logs ;;
    -h | --help | help) usage ;;
    *) say "infra.sh: unknown command '${cmd}'"; usage ;;
  esac
}

main "$@"
