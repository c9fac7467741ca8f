#!/usr/bin/env bash
# Installs what is missing and runs the real services on loopback, without Docker:
#   Kafka 3.9 (KRaft, broker+controller, jars from Maven Central)  127.0.0.1:9092
#   ClickHouse (Debian package, own config)                         http://127.0.0.1:8123, tcp 9000
#   Redis (Debian package; an existing server on 6379 is reused)    127.0.0.1:6379
# Everything lives under <repo>/.services (git-ignored); data survives down/up and stop-one/start-one.
#
# Usage: scripts/services.sh up | down | status | reset
#        scripts/services.sh start-one <kafka|clickhouse|redis>
#        scripts/services.sh stop-one  <kafka|clickhouse|redis>   (graceful; data kept)
#        scripts/services.sh kill-one  <kafka|clickhouse|redis>   (SIGKILL, a crash; Redis loses
#                                                                   what it held since its last stop)
#
# `up` and `status` print only `export NAME=value` lines on stdout, so
#   eval "$(scripts/services.sh up)"
# sets KAFKA_BROKERS, CLICKHOUSE_URL, REDIS_URL. All other output goes to stderr.
# `status` exits 0 when all three answer, 3 otherwise. `reset` stops everything and deletes the data
# (the downloaded Kafka jars are kept).
#
# Environment knobs: KAFKA_HEAP_OPTS (default "-Xms256m -Xmx512m"), SERVICES_WAIT_SECONDS (default 90),
# SERVICES_SKIP_APT=1 (never call apt-get; fail if something is missing).
#
# A second, private set beside the shared one (e.g. a fault test that stops services without
# disturbing other tests): give every command the same overrides of the home folder and the ports,
#   SERVICES_HOME (default <repo>/.services), KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093),
#   CH_HTTP_PORT (8123), CH_TCP_PORT (9000), REDIS_PORT (6379)
# and `up`/`status` print the matching addresses. The downloaded Kafka jars stay in KAFKA_LIBS_DIR
# (default <repo>/.services/kafka/libs), shared by every set.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Debian installs clickhouse-server in /usr/sbin, which is not on a normal user's PATH.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
SVC="$(realpath -m "${SERVICES_HOME:-$ROOT/.services}")"
KAFKA_DIR="$SVC/kafka"
CH_DIR="$SVC/clickhouse"
REDIS_DIR="$SVC/redis"

# The defaults must agree with src/core/connections.ts (DEFAULT_KAFKA_BROKERS, DEFAULT_CLICKHOUSE_URL,
# DEFAULT_REDIS_URL).
# ClickHouse opens only these two (no interserver port, see clickhouse_config).
HOST=127.0.0.1
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
CH_HTTP_PORT="${CH_HTTP_PORT:-8123}"
CH_TCP_PORT="${CH_TCP_PORT:-9000}"
REDIS_PORT="${REDIS_PORT:-6379}"
for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$CH_HTTP_PORT" "$CH_TCP_PORT" "$REDIS_PORT"; do
  [[ "$port" =~ ^[0-9]+$ ]] && ((port > 0 && port < 65536)) || {
    printf '[services] ERROR: not a port number: %s\n' "$port" >&2
    exit 1
  }
done

WAIT_SECONDS="${SERVICES_WAIT_SECONDS:-90}"
KAFKA_HEAP="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"

log() { printf '[services] %s\n' "$*" >&2; }
die() {
  printf '[services] ERROR: %s\n' "$*" >&2
  exit 1
}

print_exports() {
  echo "export KAFKA_BROKERS=$HOST:$KAFKA_PORT"
  echo "export CLICKHOUSE_URL=http://$HOST:$CH_HTTP_PORT"
  echo "export REDIS_URL=redis://$HOST:$REDIS_PORT"
}

# ---------------------------------------------------------------- helpers

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# pid_alive <pidfile> <string expected in /proc/pid/cmdline>: guards against stale pid files / pid reuse.
pid_alive() {
  local pidfile="$1" needle="$2" pid
  [[ -s "$pidfile" ]] || return 1
  pid="$(tr -dc '0-9' <"$pidfile")"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$needle"
}

read_pid() { tr -dc '0-9' <"$1"; }

# spawned_alive <pidfile>: whether the process we just started is still there. Not pid_alive: for
# a moment after `&` the child is a fork of this shell (its cmdline is this script's) until it
# execs, so a command-line match right after starting fails about one time in seven.
spawned_alive() {
  local pid
  pid="$(read_pid "$1" 2>/dev/null)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && ! grep -qE '^State:[[:space:]]+Z' "/proc/$pid/status" 2>/dev/null
}

# stop_pid <pidfile> <needle> <name> <grace seconds>
stop_pid() {
  local pidfile="$1" needle="$2" name="$3" grace="$4" pid i
  if ! pid_alive "$pidfile" "$needle"; then
    rm -f "$pidfile"
    log "$name: not running"
    return 0
  fi
  pid="$(read_pid "$pidfile")"
  log "$name: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name: still running after ${grace}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$pidfile"
  log "$name: stopped"
}

# fail_with_log <name> <log file>...: prints the last lines of each existing log, then exits.
fail_with_log() {
  local name="$1" logfile
  shift
  log "$name did not come up"
  for logfile in "$@"; do
    if [[ -s "$logfile" ]]; then
      log "last lines of $logfile:"
      tail -n 30 "$logfile" >&2
    fi
  done
  die "$name failed to start"
}

# ---------------------------------------------------------------- packages

SUDO=()
if [[ "$(id -u)" != 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo -n); fi
fi

# Installs Debian packages without letting their maintainer scripts start system services
# (this script runs its own instances on the standard ports).
apt_install() {
  [[ "${SERVICES_SKIP_APT:-0}" == 1 ]] && die "missing packages: $* (SERVICES_SKIP_APT=1)"
  command -v apt-get >/dev/null 2>&1 || die "missing packages: $* (no apt-get on this machine)"
  log "apt-get install $*"
  local policy=/usr/sbin/policy-rc.d created=0 rc=0
  if [[ ! -e "$policy" ]]; then
    if printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null && "${SUDO[@]}" chmod 755 "$policy"; then
      created=1
      trap '"${SUDO[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! "${SUDO[@]}" apt-get install -y -q --no-install-recommends "$@" >&2; then
    log "apt-get install failed; running apt-get update and retrying"
    "${SUDO[@]}" apt-get update -q >&2 || true
    "${SUDO[@]}" apt-get install -y -q --no-install-recommends "$@" >&2 || rc=$?
  fi
  if [[ $created == 1 ]]; then
    "${SUDO[@]}" rm -f "$policy"
    trap - EXIT
  fi
  return $rc
}

ensure_packages() {
  local missing=() optional=()
  command -v curl >/dev/null 2>&1 || missing+=(curl ca-certificates)
  command -v java >/dev/null 2>&1 || missing+=(default-jdk-headless)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  command -v clickhouse-server >/dev/null 2>&1 || missing+=(clickhouse-server clickhouse-client)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
  command -v setsid >/dev/null 2>&1 || missing+=(util-linux)
  command -v flock >/dev/null 2>&1 || missing+=(util-linux)
  # Used by benchmarks and browser tests, not by the services themselves.
  command -v kcat >/dev/null 2>&1 || optional+=(kcat)
  command -v chromium >/dev/null 2>&1 || optional+=(chromium)
  if ((${#missing[@]})); then
    apt_install "${missing[@]}" || die "could not install: ${missing[*]}"
  fi
  if ((${#optional[@]})); then
    apt_install "${optional[@]}" || log "WARNING: could not install ${optional[*]} (benchmarks/browser tests need them)"
  fi
}

# ---------------------------------------------------------------- Kafka

KAFKA_LIBS="${KAFKA_LIBS_DIR:-$ROOT/.services/kafka/libs}"
KAFKA_POM="$ROOT/scripts/kafka/pom.xml"
KAFKA_PID="$KAFKA_DIR/pid"
KAFKA_LOG="$KAFKA_DIR/kafka.log"
KAFKA_PROPS="$KAFKA_DIR/server.properties"
KAFKA_DATA="$KAFKA_DIR/data"

kafka_jars() {
  local stamp="$KAFKA_LIBS/.pom.sha256" want
  want="$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && compgen -G "$KAFKA_LIBS/kafka_2.13-*.jar" >/dev/null; then
    return 0
  fi
  log "kafka: downloading jars from Maven Central (scripts/kafka/pom.xml)"
  local tmp="$KAFKA_LIBS.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # (sed strips the bare ANSI resets Maven 3.8 prints even with -B -q.)
  mvn -B -q -Dstyle.color=never -f "$KAFKA_POM" dependency:copy-dependencies \
    -DoutputDirectory="$tmp" -DincludeScope=runtime 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d' >&2 ||
    die "kafka: maven download failed"
  compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || die "kafka: maven did not produce kafka_2.13 jar"
  echo "$want" >"$tmp/.pom.sha256"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
}

kafka_config() {
  mkdir -p "$KAFKA_DATA"
  cat >"$KAFKA_PROPS.tmp" <<EOF
# Generated by scripts/services.sh -- edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
auto.create.topics.enable=false
delete.topic.enable=true
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
log.segment.bytes=268435456
log.retention.check.interval.ms=300000
EOF
  mv "$KAFKA_PROPS.tmp" "$KAFKA_PROPS"
  cat >"$KAFKA_DIR/log4j.properties" <<'EOF'
# Generated by scripts/services.sh. Everything goes to stdout, which the script appends to kafka.log.
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.controller=INFO
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
EOF
  cat >"$KAFKA_DIR/tools-log4j.properties" <<'EOF'
# Generated by scripts/services.sh, for the command-line tools (StorageTool).
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.appender.stderr.Target=System.err
EOF
}

kafka_format() {
  [[ -f "$KAFKA_DATA/meta.properties" ]] && return 0
  local id_file="$KAFKA_DIR/cluster-id" id
  if [[ ! -s "$id_file" ]]; then
    id="$(java -Dlog4j.configuration="file:$KAFKA_DIR/tools-log4j.properties" -cp "$KAFKA_LIBS/*" \
      kafka.tools.StorageTool random-uuid 2>/dev/null | grep -E '^[A-Za-z0-9_-]{22}$' | tail -n1)"
    [[ -n "$id" ]] || die "kafka: could not generate a cluster id"
    echo "$id" >"$id_file"
  fi
  id="$(cat "$id_file")"
  log "kafka: formatting storage (cluster id $id)"
  java -Dlog4j.configuration="file:$KAFKA_DIR/tools-log4j.properties" -cp "$KAFKA_LIBS/*" \
    kafka.tools.StorageTool format -t "$id" -c "$KAFKA_PROPS" --ignore-formatted >&2 ||
    die "kafka: storage format failed"
}

kafka_running() { pid_alive "$KAFKA_PID" "kafka.Kafka"; }

kafka_ready() {
  local timeout="$1"
  if command -v node >/dev/null 2>&1 && [[ -d "$ROOT/node_modules/kafkajs" ]]; then
    node "$ROOT/scripts/kafka-ready.mjs" "$HOST:$KAFKA_PORT" "$timeout"
  elif command -v kcat >/dev/null 2>&1; then
    local deadline=$((SECONDS + timeout))
    while ((SECONDS < deadline)); do
      if kcat -L -b "$HOST:$KAFKA_PORT" -m 3 2>/dev/null | grep -q ' 1 brokers:'; then return 0; fi
      sleep 0.5
    done
    return 1
  else
    port_open "$KAFKA_PORT"
  fi
}

kafka_start() {
  mkdir -p "$KAFKA_DIR"
  if kafka_running; then
    kafka_ready 20 || fail_with_log kafka "$KAFKA_LOG"
    log "kafka: already running (pid $(read_pid "$KAFKA_PID"))"
    return 0
  fi
  if port_open "$KAFKA_PORT" || port_open "$KAFKA_CONTROLLER_PORT"; then
    die "kafka: port $KAFKA_PORT or $KAFKA_CONTROLLER_PORT is taken by a process this script did not start"
  fi
  kafka_jars
  kafka_config
  kafka_format
  log "kafka: starting"
  # shellcheck disable=SC2086 # KAFKA_HEAP is a list of JVM options
  setsid nohup java $KAFKA_HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_PROPS" >>"$KAFKA_LOG" 2>&1 </dev/null 9>&- &
  echo $! >"$KAFKA_PID"
  local deadline=$((SECONDS + WAIT_SECONDS))
  until port_open "$KAFKA_PORT"; do
    spawned_alive "$KAFKA_PID" || fail_with_log kafka "$KAFKA_LOG"
    ((SECONDS < deadline)) || fail_with_log kafka "$KAFKA_LOG"
    sleep 0.2
  done
  kafka_ready "$((deadline - SECONDS > 5 ? deadline - SECONDS : 5))" || fail_with_log kafka "$KAFKA_LOG"
  log "kafka: ready on $HOST:$KAFKA_PORT (pid $(read_pid "$KAFKA_PID"))"
}

kafka_stop() { stop_pid "$KAFKA_PID" "kafka.Kafka" kafka 60; }

# ---------------------------------------------------------------- ClickHouse

CH_PID="$CH_DIR/pid"
CH_CONFIG="$CH_DIR/config.xml"
CH_LOG="$CH_DIR/log/clickhouse-server.log"
CH_ERRLOG="$CH_DIR/log/clickhouse-server.err.log"
CH_STDOUT="$CH_DIR/log/stdout.log"

clickhouse_config() {
  mkdir -p "$CH_DIR"/{data,tmp,user_files,format_schemas,log}
  # Format of the Debian 18.16 package (/etc/clickhouse-server/config.xml): root element <yandex>.
  cat >"$CH_CONFIG.tmp" <<EOF
<?xml version="1.0"?>
<!-- Generated by scripts/services.sh; edits are overwritten. -->
<yandex>
    <logger>
        <level>information</level>
        <log>$CH_LOG</log>
        <errorlog>$CH_ERRLOG</errorlog>
        <size>100M</size>
        <count>3</count>
    </logger>
    <listen_host>$HOST</listen_host>
    <http_port>$CH_HTTP_PORT</http_port>
    <tcp_port>$CH_TCP_PORT</tcp_port>
    <!-- No interserver_http_port: no replication, so that port stays closed. -->
    <max_connections>1024</max_connections>
    <keep_alive_timeout>10</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mark_cache_size>536870912</mark_cache_size>
    <path>$CH_DIR/data/</path>
    <tmp_path>$CH_DIR/tmp/</tmp_path>
    <user_files_path>$CH_DIR/user_files/</user_files_path>
    <format_schema_path>$CH_DIR/format_schemas/</format_schema_path>
    <users_config>$CH_DIR/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>
    <!-- Allow DROP TABLE of any size (tests drop and recreate tables). -->
    <max_table_size_to_drop>0</max_table_size_to_drop>
    <max_partition_size_to_drop>0</max_partition_size_to_drop>
</yandex>
EOF
  mv "$CH_CONFIG.tmp" "$CH_CONFIG"
  cat >"$CH_DIR/users.xml.tmp" <<'EOF'
<?xml version="1.0"?>
<!-- Generated by scripts/services.sh; edits are overwritten. -->
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>
        </default>
        <readonly>
            <readonly>1</readonly>
        </readonly>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks>
                <ip>::1</ip>
                <ip>127.0.0.1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
EOF
  mv "$CH_DIR/users.xml.tmp" "$CH_DIR/users.xml"
}

clickhouse_running() { pid_alive "$CH_PID" "$CH_CONFIG"; }
clickhouse_ping() { [[ "$(curl -s -m 2 "http://$HOST:$CH_HTTP_PORT/ping" 2>/dev/null)" == "Ok." ]]; }

clickhouse_start() {
  if clickhouse_running && clickhouse_ping; then
    log "clickhouse: already running (pid $(read_pid "$CH_PID"))"
    return 0
  fi
  if ! clickhouse_running && { port_open "$CH_HTTP_PORT" || port_open "$CH_TCP_PORT"; }; then
    die "clickhouse: port $CH_HTTP_PORT or $CH_TCP_PORT is taken by a process this script did not start (a system clickhouse-server? try: service clickhouse-server stop)"
  fi
  if ! clickhouse_running; then
    clickhouse_config
    log "clickhouse: starting"
    # Runs as the invoking user (18.16 accepts root); all its files live under .services/clickhouse.
    (
      cd "$CH_DIR"
      setsid nohup clickhouse-server --config-file="$CH_CONFIG" >>"$CH_STDOUT" 2>&1 </dev/null 9>&- &
      echo $! >"$CH_PID"
    )
  fi
  local deadline=$((SECONDS + WAIT_SECONDS))
  until clickhouse_ping; do
    spawned_alive "$CH_PID" || fail_with_log clickhouse "$CH_STDOUT" "$CH_ERRLOG"
    ((SECONDS < deadline)) || fail_with_log clickhouse "$CH_STDOUT" "$CH_ERRLOG"
    sleep 0.2
  done
  log "clickhouse: ready on http://$HOST:$CH_HTTP_PORT (pid $(read_pid "$CH_PID"))"
}

clickhouse_stop() { stop_pid "$CH_PID" "$CH_CONFIG" clickhouse 30; }

# ---------------------------------------------------------------- Redis

REDIS_PID="$REDIS_DIR/redis.pid"
REDIS_LOG="$REDIS_DIR/redis.log"

redis_ping() { [[ "$(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]; }
redis_running() { pid_alive "$REDIS_PID" "redis-server"; }

redis_start() {
  mkdir -p "$REDIS_DIR"
  if redis_running && redis_ping; then
    log "redis: already running (pid $(read_pid "$REDIS_PID"))"
    return 0
  fi
  if ! redis_running && redis_ping; then
    log "redis: reusing the server already answering on $HOST:$REDIS_PORT (not managed by this script)"
    return 0
  fi
  if ! redis_running; then
    port_open "$REDIS_PORT" && die "redis: port $REDIS_PORT is taken by something that does not answer PING"
    log "redis: starting"
    # No background snapshots or AOF (fast); stop saves a snapshot (SHUTDOWN SAVE) so data survives
    # stop-one/start-one and down/up.
    redis-server --port "$REDIS_PORT" --bind "$HOST" --dir "$REDIS_DIR" --dbfilename dump.rdb \
      --daemonize yes --pidfile "$REDIS_PID" --logfile "$REDIS_LOG" --save "" --appendonly no >&2 9>&- ||
      fail_with_log redis "$REDIS_LOG"
  fi
  local deadline=$((SECONDS + WAIT_SECONDS))
  until redis_ping; do
    ((SECONDS < deadline)) || fail_with_log redis "$REDIS_LOG"
    sleep 0.1
  done
  log "redis: ready on $HOST:$REDIS_PORT (pid $(read_pid "$REDIS_PID" 2>/dev/null || echo '?'))"
}

redis_stop() {
  if ! redis_running; then
    rm -f "$REDIS_PID"
    if redis_ping; then
      log "redis: the server on $HOST:$REDIS_PORT was not started by this script; leaving it alone"
    else
      log "redis: not running"
    fi
    return 0
  fi
  local pid
  pid="$(read_pid "$REDIS_PID")"
  log "redis: stopping (pid $pid, saving a snapshot)"
  redis-cli -h "$HOST" -p "$REDIS_PORT" shutdown save >/dev/null 2>&1 || true
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$pid" 2>/dev/null; then
    stop_pid "$REDIS_PID" "redis-server" redis 10
  else
    rm -f "$REDIS_PID"
    log "redis: stopped"
  fi
}

# ---------------------------------------------------------------- commands

# kill_one <name>: SIGKILL, as a crash would; only for processes this script started.
kill_one() {
  local pidfile needle
  case "$1" in
    kafka) pidfile="$KAFKA_PID" needle="kafka.Kafka" ;;
    clickhouse) pidfile="$CH_PID" needle="$CH_CONFIG" ;;
    redis) pidfile="$REDIS_PID" needle="redis-server" ;;
  esac
  if ! pid_alive "$pidfile" "$needle"; then
    log "$1: not running (or not started by this script)"
    return 0
  fi
  local pid i
  pid="$(read_pid "$pidfile")"
  log "$1: SIGKILL (pid $pid)"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  rm -f "$pidfile"
}

status_line() {
  local name="$1" state="$2"
  printf '[services] %-11s %s\n' "$name" "$state" >&2
}

cmd_status() {
  local down=0
  if kafka_running; then
    if kafka_ready 5; then status_line kafka "up      $HOST:$KAFKA_PORT (pid $(read_pid "$KAFKA_PID"))"; else
      status_line kafka "STARTED BUT NOT ANSWERING (pid $(read_pid "$KAFKA_PID"), see $KAFKA_LOG)"
      down=1
    fi
  elif port_open "$KAFKA_PORT"; then
    status_line kafka "port $KAFKA_PORT open, NOT managed by this script"
  else
    status_line kafka "down"
    down=1
  fi
  if clickhouse_running; then
    if clickhouse_ping; then status_line clickhouse "up      http://$HOST:$CH_HTTP_PORT (pid $(read_pid "$CH_PID"))"; else
      status_line clickhouse "STARTED BUT NOT ANSWERING (pid $(read_pid "$CH_PID"), see $CH_ERRLOG)"
      down=1
    fi
  elif clickhouse_ping; then
    status_line clickhouse "up      http://$HOST:$CH_HTTP_PORT, NOT managed by this script"
  else
    status_line clickhouse "down"
    down=1
  fi
  if redis_running && redis_ping; then
    status_line redis "up      $HOST:$REDIS_PORT (pid $(read_pid "$REDIS_PID"))"
  elif redis_ping; then
    status_line redis "up      $HOST:$REDIS_PORT, external (reused, not managed by this script)"
  else
    status_line redis "down"
    down=1
  fi
  print_exports
  return $((down ? 3 : 0))
}

# Serialises concurrent runs. Service processes are started with fd 9 closed so they do not hold it.
lock() {
  mkdir -p "$SVC"
  exec 9>"$SVC/.lock"
  if ! flock -n 9; then
    log "waiting for another scripts/services.sh to finish (lock $SVC/.lock)"
    flock -w 600 9 || die "another scripts/services.sh is still running (lock $SVC/.lock)"
  fi
}

one() {
  case "${1:-}" in
    kafka | clickhouse | redis) echo "$1" ;;
    *) die "expected a service name: kafka | clickhouse | redis (got '${1:-}')" ;;
  esac
}

main() {
  local cmd="${1:-}"
  case "$cmd" in
    up)
      local t0=$SECONDS
      lock
      ensure_packages
      kafka_start
      clickhouse_start
      redis_start
      log "all services up ($((SECONDS - t0))s)"
      print_exports
      ;;
    down)
      lock
      kafka_stop
      clickhouse_stop
      redis_stop
      ;;
    status)
      cmd_status
      ;;
    start-one)
      local name
      name="$(one "${2:-}")"
      lock
      ensure_packages
      "${name}_start"
      ;;
    stop-one)
      local name
      name="$(one "${2:-}")"
      lock
      "${name}_stop"
      ;;
    kill-one)
      local name
      name="$(one "${2:-}")"
      lock
      kill_one "$name"
      ;;
    reset)
      lock
      kafka_stop
      clickhouse_stop
      redis_stop
      log "deleting service data (keeping Kafka jars)"
      rm -rf "$KAFKA_DATA" "$KAFKA_DIR/cluster-id" "$KAFKA_LOG" "$CH_DIR" "$REDIS_DIR"
      ;;
    *)
      echo "usage: $0 up|down|status|reset|start-one <svc>|stop-one <svc>|kill-one <svc>   (svc: kafka|clickhouse|redis)" >&2
      exit 2
      ;;
  esac
}

main "$@"
