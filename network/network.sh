#!/usr/bin/env bash
# A local Hyperledger Fabric network for the tender evidence ledger, without Docker:
# one Raft orderer, one peer for TradingCentre and one for Regulator, channel "tender",
# the chaincode running as a service (one server per org). Everything listens on 127.0.0.1
# and everything it writes at run time lives in network/.runtime/.
# With CITIES=N: the province network (N city centres, the province centre, the regulator,
# three Raft orderers; see env.sh and PROVINCE.md). Node names then also include orderer2,
# orderer3, peer-prov, peer-c2..peer-cN and their cc-* servers.
#
# Usage: network/network.sh <command>
#   build                 build the Fabric binaries into the cache (once per machine)
#   up                    crypto, channel genesis, orderer + peers, channel joined (idempotent)
#   deploy                install, approve (both orgs), commit, start the chaincode servers
#   down                  stop everything this script started, remove the runtime state
#   status                what runs and whether it is healthy
#   package               standalone "node" chaincode package for a peer's own Node builder
#   stop-node  <name>     stop one component:  orderer | peer-tc | peer-reg | cc-tc | cc-reg
#   start-node <name>     start one component again and wait until it is healthy
#   smoke                 notarise a random hash as TradingCentre User1 and find it again
#   add-city              province network only: one more city centre joins the running channel
#                         (config update signed by a majority of the admins), its peer and
#                         chaincode server start, the next chaincode definition names it
#   join-city             add-city's second half (run by it, with CITIES counting the new city)
#   peer-env <tc|reg> [Admin|UserN]   print exports for using the peer CLI by hand
#
# For nodes run by something else (containers, see containers/README.md), with
# NET_EXTERNAL_NODES=1: "running" then means "its port answers", and nothing is started here.
#   artifacts             config, crypto and channel genesis block only (fresh)
#   node-env <name>       the environment a node needs (orderer | peer-tc | peer-reg), one per line
#   cc-ids                the ccaas package id of each org ("<org> <id>" lines)
#   channel               orderer and both peers join the channel
#   core-yaml <out> <builder dir>   the peer's core.yaml with the ccaas builder at <builder dir>
#   deploy                as above, but waits for chaincode servers started elsewhere
set -euo pipefail

# shellcheck source=env.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"

PEER="$NET_FABRIC_BIN/peer"
CONFIGTXLATOR="$NET_FABRIC_BIN/configtxlator"
ORDERER="$NET_FABRIC_BIN/orderer"
FABRIC_TOOLS=(peer orderer configtxgen configtxlator osnadmin cryptogen)
COMPONENTS=("${NET_ORDERERS[@]}")
NODES=("${NET_ORDERERS[@]}")  # what `up` starts: orderers and peers
for org in "${NET_ORGS[@]}"; do COMPONENTS+=("peer-$org"); NODES+=("peer-$org"); done
for org in "${NET_ORGS[@]}"; do COMPONENTS+=("cc-$org"); done
unset org

log() { printf '[network] %s\n' "$*" >&2; }
die() { printf '[network] error: %s\n' "$*" >&2; exit 1; }

need_cmd() {
  local c
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || die "'$c' is required but not on PATH"; done
}

# ================================================================ Fabric binaries

bins_present() {
  local t
  for t in "${FABRIC_TOOLS[@]}"; do [[ -x "$NET_FABRIC_BIN/$t" ]] || return 1; done
}

fabric_present() {
  bins_present && [[ -f "$NET_FABRIC_SAMPLECONFIG/core.yaml" && -f "$NET_FABRIC_SAMPLECONFIG/orderer.yaml" ]]
}

cmd_build() {
  if fabric_present; then
    log "Fabric $NET_FABRIC_VERSION binaries present in $NET_FABRIC_BIN"
    return
  fi
  need_cmd go
  local tmp mod_dir dl pkgs=() t
  tmp="$(mktemp -d)"
  # Outside any Go module, so the repo (or whatever the caller's cwd is) cannot interfere.
  # `go install pkg@version` alone fails: the proxy refuses the module's version list, so the
  # exact version is downloaded first and installed from the local module cache.
  dl="$(cd "$tmp" && go mod download -json "$NET_FABRIC_MODULE@$NET_FABRIC_MODULE_VERSION")" \
    || die "go mod download $NET_FABRIC_MODULE@$NET_FABRIC_MODULE_VERSION failed"
  mod_dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$dl")"
  [[ -d "$mod_dir/sampleconfig" ]] || die "module downloaded but no sampleconfig in '$mod_dir'"
  # Only the tools missing: a cache built before a tool joined the list keeps the others.
  for t in "${FABRIC_TOOLS[@]}"; do
    [[ -x "$NET_FABRIC_BIN/$t" ]] || pkgs+=("$NET_FABRIC_MODULE/cmd/$t@$NET_FABRIC_MODULE_VERSION")
  done
  if ((${#pkgs[@]})); then
    log "building ${pkgs[*]##*/cmd/} of Fabric $NET_FABRIC_VERSION into $NET_FABRIC_BIN (first time only; takes a few minutes)"
    mkdir -p "$NET_FABRIC_BIN"
    (cd "$tmp" && GOPROXY="file://$(go env GOMODCACHE)/cache/download,$(go env GOPROXY)" GOBIN="$NET_FABRIC_BIN" \
      go install -ldflags "-X $NET_FABRIC_MODULE/common/metadata.Version=$NET_FABRIC_VERSION" "${pkgs[@]}") \
      || die "go install of the Fabric binaries failed"
  fi
  # Keep the two sample configs beside the binaries: `up` then works even after the Go
  # module cache is cleaned. Module cache files are read-only, hence the chmod.
  mkdir -p "$NET_FABRIC_SAMPLECONFIG"
  cp "$mod_dir/sampleconfig/core.yaml" "$mod_dir/sampleconfig/orderer.yaml" "$NET_FABRIC_SAMPLECONFIG/"
  chmod u+w "$NET_FABRIC_SAMPLECONFIG"/*.yaml
  rm -rf "$tmp"
  fabric_present || die "build finished but files are missing in $NET_FABRIC_HOME"
  log "Fabric ready: $("$PEER" version | sed -n 's/^ Version: //p') in $NET_FABRIC_BIN"
}

# ================================================================ runtime config

# Fill ${NET_*} placeholders of a template from env.sh. Pure bash: no envsubst dependency,
# and an unset name is an error instead of an empty string.
render() {
  local line name re='\$\{(NET_[A-Z0-9_]+)\}'
  while IFS= read -r line || [[ -n "$line" ]]; do
    while [[ "$line" =~ $re ]]; do
      name="${BASH_REMATCH[1]}"
      [[ -v "$name" ]] || die "template $1 uses unset variable $name"
      # Quoted: bash 5.2 would otherwise put the match back for each & of a value (YAML anchors).
      line="${line//"${BASH_REMATCH[0]}"/"${!name}"}"
    done
    printf '%s\n' "$line"
  done <"$1" >"$2"
}

# core.yaml/orderer.yaml from Fabric's sampleconfig; per-node settings are passed as env vars
# at start, so one file serves both peers. Two edits the env cannot express well:
#  - vm.endpoint emptied: no Docker here, and an endpoint makes the peer register a Docker
#    health check that then fails /healthz;
#  - externalBuilders replaced by our ccaas builder (the sample names /opt/hyperledger/...).
write_config() {
  mkdir -p "$NET_CONFIG_DIR"
  topology_yaml
  cp "$NET_FABRIC_SAMPLECONFIG/orderer.yaml" "$NET_CONFIG_DIR/orderer.yaml"
  write_core_yaml "$NET_CONFIG_DIR/core.yaml" "$NET_DIR/builders/ccaas"
  render "$NET_DIR/configtx.yaml" "$NET_CONFIG_DIR/configtx.yaml"
  render "$NET_DIR/crypto-config.yaml" "$NET_CONFIG_DIR/crypto-config.yaml"
}

# The parts of configtx.yaml and crypto-config.yaml that repeat per organisation or orderer,
# as multi-line values for render (which fills ${NET_CONFIGTX_*} and ${NET_CRYPTO_*} with them).
topology_yaml() {
  local org name mspid o
  NET_CONFIGTX_PEER_ORGS="" NET_CONFIGTX_PROFILE_ORGS="" NET_CRYPTO_PEER_ORGS=""
  NET_CONFIGTX_ORDERER_ENDPOINTS="" NET_CONFIGTX_CONSENTERS="" NET_CRYPTO_ORDERER_SPECS=""
  for org in "${NET_ORGS[@]}"; do
    name="$(net_org_var "$org" NAME)" mspid="$(net_org_var "$org" MSPID)"
    NET_CONFIGTX_PEER_ORGS+="${NET_CONFIGTX_PEER_ORGS:+$'\n\n'}  - &$name
    Name: $name
    ID: $mspid
    MSPDir: $(net_org_dir "$org")/msp
    Policies:
      Readers:     { Type: Signature, Rule: \"OR('$mspid.admin','$mspid.peer','$mspid.client')\" }
      Writers:     { Type: Signature, Rule: \"OR('$mspid.admin','$mspid.client')\" }
      Admins:      { Type: Signature, Rule: \"OR('$mspid.admin')\" }
      Endorsement: { Type: Signature, Rule: \"OR('$mspid.peer')\" }
    AnchorPeers:
      - Host: $NET_HOST
        Port: $(net_org_var "$org" PEER_PORT)"
    NET_CONFIGTX_PROFILE_ORGS+="${NET_CONFIGTX_PROFILE_ORGS:+$'\n'}        - *$name"
    NET_CRYPTO_PEER_ORGS+="${NET_CRYPTO_PEER_ORGS:+$'\n\n'}  - Name: $name
    Domain: $(net_org_var "$org" DOMAIN)
    EnableNodeOUs: true
    Template:
      Count: 1
      SANS:
        - $NET_HOST
        - localhost
    Users:
      Count: $(net_org_var "$org" USERS)"
  done
  for o in "${NET_ORDERERS[@]}"; do
    NET_CONFIGTX_ORDERER_ENDPOINTS+="${NET_CONFIGTX_ORDERER_ENDPOINTS:+$'\n'}      - $NET_HOST:$(net_orderer_var "$o" PORT)"
    NET_CONFIGTX_CONSENTERS+="${NET_CONFIGTX_CONSENTERS:+$'\n'}      - Host: $NET_HOST
        Port: $(net_orderer_var "$o" PORT)
        ClientTLSCert: $(net_orderer_dir "$o")/tls/server.crt
        ServerTLSCert: $(net_orderer_dir "$o")/tls/server.crt"
    NET_CRYPTO_ORDERER_SPECS+="${NET_CRYPTO_ORDERER_SPECS:+$'\n'}      - Hostname: $o
        SANS:
          - $NET_HOST
          - localhost"
  done
}

# write_core_yaml <output> <ccaas builder dir>: also used for the peer image (containers/).
write_core_yaml() {
  local out="$1" builder="$2"
  awk -v builder="$builder" '
    /^    endpoint: unix:\/\/\/var\/run\/docker.sock/ { print "    endpoint: \"\""; next }
    /^    externalBuilders:/ {
      print
      print "       - name: ccaas"
      print "         path: " builder
      skipping = 1; next
    }
    skipping && (/^       / || /^[[:space:]]*$/) { next }
    { skipping = 0; print }
  ' "$NET_FABRIC_SAMPLECONFIG/core.yaml" >"$out"
  # Fail loudly if a future sampleconfig no longer matches the edits above.
  grep -q '^    endpoint: ""' "$out" || die "could not empty vm.endpoint in core.yaml"
  grep -q "path: $builder\$" "$out" || die "could not set externalBuilders in core.yaml"
}

genesis_block() { printf '%s/%s.block' "$NET_ARTIFACTS_DIR" "$NET_CHANNEL"; }

generate_artifacts() {
  local c
  for c in "${NODES[@]}"; do
    ! is_running "$c" || die "$c runs without a channel genesis block; run 'down' first"
  done
  rm -rf "$NET_CRYPTO_DIR" "$NET_ARTIFACTS_DIR" "$NET_DATA_DIR" "$NET_STATE_DIR"
  mkdir -p "$NET_ARTIFACTS_DIR"
  for c in "$NET_LOG_DIR"/*.log; do if [[ -f "$c" ]]; then : >"$c"; fi; done  # fresh network, fresh logs
  log "generating crypto material (cryptogen)"
  "$NET_FABRIC_BIN/cryptogen" generate --config="$NET_CONFIG_DIR/crypto-config.yaml" --output="$NET_CRYPTO_DIR" >/dev/null
  log "generating genesis block of channel '$NET_CHANNEL' (configtxgen)"
  "$NET_FABRIC_BIN/configtxgen" -configPath "$NET_CONFIG_DIR" -profile TenderChannel \
    -channelID "$NET_CHANNEL" -outputBlock "$(genesis_block)" 2>"$NET_LOG_DIR/configtxgen.log" \
    || die "configtxgen failed, see $NET_LOG_DIR/configtxgen.log"
}

# ================================================================ processes

pid_file() { printf '%s/%s.pid' "$NET_PID_DIR" "$1"; }

# What the command line of a component must contain: guards against a recycled pid.
component_signature() {
  case "$1" in
    orderer*) printf '%s' "$ORDERER" ;;
    peer-*) printf '%s node start' "$PEER" ;;
    cc-*) printf -- '--chaincode-address %s:%s' "$NET_HOST" "$(net_org_var "${1#cc-}" CC_PORT)" ;;
    *) die "unknown component '$1' (one of: ${COMPONENTS[*]})" ;;
  esac
}

component_pid() {
  local f pid
  f="$(pid_file "$1")"
  [[ -f "$f" ]] || return 1
  pid="$(<"$f")"
  pid_alive "$pid" || return 1
  [[ "$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" == *"$(component_signature "$1")"* ]] || return 1
  printf '%s' "$pid"
}

# With NET_EXTERNAL_NODES=1 the nodes are someone else's (containers): running = port answers.
external_nodes() { [[ "${NET_EXTERNAL_NODES:-0}" == 1 ]]; }

is_running() {
  if external_nodes; then
    port_open "$(component_port "$1")"
  else
    component_pid "$1" >/dev/null
  fi
}

# Is something accepting TCP connections on 127.0.0.1:port? (bash only, no nc/ss needed)
port_open() { (exec 3<>"/dev/tcp/$NET_HOST/$1") 2>/dev/null; }

component_port() {
  case "$1" in
    orderer*) net_orderer_var "$1" PORT ;;
    peer-*) net_org_var "${1#peer-}" PEER_PORT ;;
    cc-*) net_org_var "${1#cc-}" CC_PORT ;;
  esac
}

# Every port a component listens on, checked free before it starts: a clash then fails
# with a clear message instead of a node that half-starts.
component_all_ports() {
  local org
  case "$1" in
    orderer*) printf '%s ' "$(net_orderer_var "$1" PORT)" "$(net_orderer_var "$1" ADMIN_PORT)" "$(net_orderer_var "$1" OPS_PORT)" ;;
    peer-*)
      org="${1#peer-}"
      printf '%s ' "$(net_org_var "$org" PEER_PORT)" "$(net_org_var "$org" PEER_CC_PORT)" "$(net_org_var "$org" PEER_OPS_PORT)"
      ;;
    cc-*) net_org_var "${1#cc-}" CC_PORT ;;
  esac
}

component_health_url() {
  case "$1" in
    orderer*) printf 'http://%s:%s/healthz' "$NET_HOST" "$(net_orderer_var "$1" OPS_PORT)" ;;
    peer-*) printf 'http://%s:%s/healthz' "$NET_HOST" "$(net_org_var "${1#peer-}" PEER_OPS_PORT)" ;;
    *) printf '' ;;  # chaincode servers have no health endpoint: readiness = port accepts
  esac
}

# Start a program detached (own session: it outlives this script and the caller's terminal),
# logging to logs/<name>.log and remembering its pid.
spawn() {
  local name="$1"; shift
  local logf="$NET_LOG_DIR/$name.log"
  mkdir -p "$NET_LOG_DIR" "$NET_PID_DIR"
  printf '\n===== %s start %s\n' "$name" "$(date -Is)" >>"$logf"
  setsid "$@" >>"$logf" 2>&1 </dev/null &
  printf '%s' "$!" >"$(pid_file "$name")"
}

# orderer_env [name]: the first orderer keeps the data folder it always had.
orderer_env() {
  local o="${1:-orderer}" n data
  n="$(net_orderer_dir "$o")"
  data="$NET_DATA_DIR/$o"
  printf '%s\n' \
    "FABRIC_CFG_PATH=$NET_CONFIG_DIR" \
    "FABRIC_LOGGING_SPEC=$NET_LOG_SPEC" \
    "FABRIC_LOGGING_FORMAT=$NET_LOG_FORMAT" \
    "ORDERER_GENERAL_LISTENADDRESS=$NET_HOST" \
    "ORDERER_GENERAL_LISTENPORT=$(net_orderer_var "$o" PORT)" \
    "ORDERER_GENERAL_LOCALMSPID=$NET_ORDERER_MSPID" \
    "ORDERER_GENERAL_LOCALMSPDIR=$n/msp" \
    "ORDERER_GENERAL_TLS_ENABLED=true" \
    "ORDERER_GENERAL_TLS_CERTIFICATE=$n/tls/server.crt" \
    "ORDERER_GENERAL_TLS_PRIVATEKEY=$n/tls/server.key" \
    "ORDERER_GENERAL_TLS_ROOTCAS=[$n/tls/ca.crt]" \
    "ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE=$n/tls/server.crt" \
    "ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY=$n/tls/server.key" \
    "ORDERER_GENERAL_CLUSTER_ROOTCAS=[$n/tls/ca.crt]" \
    "ORDERER_GENERAL_BOOTSTRAPMETHOD=none" \
    "ORDERER_CHANNELPARTICIPATION_ENABLED=true" \
    "ORDERER_FILELEDGER_LOCATION=$data/ledger" \
    "ORDERER_CONSENSUS_WALDIR=$data/etcdraft/wal" \
    "ORDERER_CONSENSUS_SNAPDIR=$data/etcdraft/snapshot" \
    "ORDERER_OPERATIONS_LISTENADDRESS=$NET_HOST:$(net_orderer_var "$o" OPS_PORT)" \
    "ORDERER_METRICS_PROVIDER=prometheus" \
    "ORDERER_ADMIN_LISTENADDRESS=$NET_HOST:$(net_orderer_var "$o" ADMIN_PORT)" \
    "ORDERER_ADMIN_TLS_ENABLED=true" \
    "ORDERER_ADMIN_TLS_CERTIFICATE=$n/tls/server.crt" \
    "ORDERER_ADMIN_TLS_PRIVATEKEY=$n/tls/server.key" \
    "ORDERER_ADMIN_TLS_ROOTCAS=[$n/tls/ca.crt]" \
    "ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true" \
    "ORDERER_ADMIN_TLS_CLIENTROOTCAS=[$n/tls/ca.crt]"
}

peer_node_env() {
  local org="$1" p host port
  p="$(net_peer_dir "$org")"
  host="$NET_HOST"
  port="$(net_org_var "$org" PEER_PORT)"
  printf '%s\n' \
    "FABRIC_CFG_PATH=$NET_CONFIG_DIR" \
    "FABRIC_LOGGING_SPEC=$NET_LOG_SPEC" \
    "FABRIC_LOGGING_FORMAT=$NET_LOG_FORMAT" \
    "CORE_PEER_ID=$(net_peer_name "$org")" \
    "CORE_PEER_LOCALMSPID=$(net_org_var "$org" MSPID)" \
    "CORE_PEER_MSPCONFIGPATH=$p/msp" \
    "CORE_PEER_LISTENADDRESS=$host:$port" \
    "CORE_PEER_ADDRESS=$host:$port" \
    "CORE_PEER_CHAINCODELISTENADDRESS=$host:$(net_org_var "$org" PEER_CC_PORT)" \
    "CORE_PEER_CHAINCODEADDRESS=$host:$(net_org_var "$org" PEER_CC_PORT)" \
    "CORE_PEER_GOSSIP_BOOTSTRAP=$host:$port" \
    "CORE_PEER_GOSSIP_EXTERNALENDPOINT=$host:$port" \
    "CORE_PEER_GOSSIP_RECONNECTINTERVAL=2s" \
    "CORE_PEER_TLS_ENABLED=true" \
    "CORE_PEER_TLS_CERT_FILE=$p/tls/server.crt" \
    "CORE_PEER_TLS_KEY_FILE=$p/tls/server.key" \
    "CORE_PEER_TLS_ROOTCERT_FILE=$p/tls/ca.crt" \
    "CORE_PEER_FILESYSTEMPATH=$NET_DATA_DIR/peer-$org" \
    "CORE_LEDGER_SNAPSHOTS_ROOTDIR=$NET_DATA_DIR/peer-$org/snapshots" \
    "CORE_OPERATIONS_LISTENADDRESS=$host:$(net_org_var "$org" PEER_OPS_PORT)" \
    "CORE_METRICS_PROVIDER=prometheus"
}

# Environment for the peer CLI acting as <org> <identity> against that org's peer.
peer_cli_env() {
  local org="$1" who="${2:-Admin}"
  printf '%s\n' \
    "FABRIC_CFG_PATH=$NET_CONFIG_DIR" \
    "FABRIC_LOGGING_SPEC=${NET_CLI_LOG_SPEC:-warning}" \
    "CORE_PEER_TLS_ENABLED=true" \
    "CORE_PEER_LOCALMSPID=$(net_org_var "$org" MSPID)" \
    "CORE_PEER_MSPCONFIGPATH=$(net_user_dir "$org" "$who")/msp" \
    "CORE_PEER_ADDRESS=$NET_HOST:$(net_org_var "$org" PEER_PORT)" \
    "CORE_PEER_TLS_ROOTCERT_FILE=$(net_peer_tls_ca "$org")"
}

# peer_as <org> <identity> <peer CLI args...>
peer_as() {
  local org="$1" who="$2"; shift 2
  local envs
  mapfile -t envs < <(peer_cli_env "$org" "$who")
  env "${envs[@]}" "$PEER" "$@"
}

orderer_args=()
set_orderer_args() {
  orderer_args=(-o "$NET_HOST:$NET_ORDERER_PORT" --tls --cafile "$NET_ORDERER_TLS_CA")
}

# osnadmin <orderer> <channel subcommand args...>
osnadmin() {
  local o="$1"; shift
  "$NET_FABRIC_BIN/osnadmin" channel "$@" -o "$NET_HOST:$(net_orderer_var "$o" ADMIN_PORT)" \
    --ca-file "$NET_ORDERER_TLS_CA" \
    --client-cert "$NET_ORDERER_ADMIN_DIR/tls/client.crt" --client-key "$NET_ORDERER_ADMIN_DIR/tls/client.key"
}

# Poll until check_fn succeeds; fail early (with the log tail) if the component died, or
# after NET_READY_TIMEOUT seconds. Polling, not a fixed sleep: ready as soon as it is ready.
wait_until() {
  local name="$1" what="$2"; shift 2
  local deadline=$((SECONDS + NET_READY_TIMEOUT))
  until "$@"; do
    if [[ -n "$name" ]] && ! external_nodes && ! is_running "$name"; then
      tail -n 30 "$NET_LOG_DIR/$name.log" >&2 || true
      die "$name exited while waiting for $what (log: $NET_LOG_DIR/$name.log)"
    fi
    ((SECONDS < deadline)) || die "timed out after ${NET_READY_TIMEOUT}s waiting for $what"
    sleep 0.2
  done
}

http_ok() { curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; }

start_component() {
  local name="$1" envs=() port
  if is_running "$name"; then
    return 0
  fi
  ! external_nodes || die "$name is not running, and with NET_EXTERNAL_NODES=1 it is started elsewhere"
  for port in $(component_all_ports "$name"); do
    ! port_open "$port" || die "cannot start $name: port $NET_HOST:$port is already in use by another process"
  done
  port="$(component_port "$name")"
  case "$name" in
    orderer*)
      mapfile -t envs < <(orderer_env "$name")
      mkdir -p "$NET_DATA_DIR/$name"
      spawn "$name" env "${envs[@]}" "$ORDERER"
      ;;
    peer-*)
      mapfile -t envs < <(peer_node_env "${name#peer-}")
      mkdir -p "$NET_DATA_DIR/$name"
      spawn "$name" env "${envs[@]}" "$PEER" node start
      ;;
    cc-*)
      local org="${name#cc-}" id_file
      id_file="$NET_STATE_DIR/$name.package-id"
      [[ -f "$id_file" ]] || die "$name: no installed package id yet; run 'deploy' first"
      [[ -x "$NET_CC_SERVER_BIN" ]] || die "$NET_CC_SERVER_BIN missing; run 'npm install' in $NET_REPO_ROOT"
      spawn "$name" env "CORE_PEER_LOCALMSPID=$(net_org_var "$org" MSPID)" "CORE_CHAINCODE_LOGGING_LEVEL=$NET_CC_LOG_LEVEL" \
        "TENDER_BIDDER_PROXIES=$NET_BIDDER_PROXIES" \
        "TENDER_BENCH_CONTRACT=$NET_BENCH_CONTRACT" \
        node "$NET_CC_SERVER_BIN" server --chaincode-address "$NET_HOST:$port" \
        --chaincode-id "$(<"$id_file")" --module-path "$NET_CC_DIR"
      ;;
  esac
  log "started $name (pid $(<"$(pid_file "$name")"))"
}

wait_healthy() {
  local name="$1" url
  url="$(component_health_url "$name")"
  if [[ -n "$url" ]]; then
    wait_until "$name" "$name health ($url)" http_ok "$url"
  else
    wait_until "$name" "$name to accept connections" port_open "$(component_port "$name")"
  fi
}

# Alive = exists and is not a zombie. Our processes are reparented to init once the
# script that spawned them has exited, and init may take seconds to reap them; a zombie
# already holds no port and no file lock, so waiting for the reaper would only slow `down`.
pid_alive() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"  # the state letter follows the parenthesised command name
  [[ -n "$stat" && "${stat:0:1}" != Z ]]
}

# SIGTERM, then SIGKILL if it does not go within 10 s. Only the recorded pid is signalled.
kill_pid() {
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  log "pid $pid ignored SIGTERM for 10 s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  log "warning: pid $pid did not exit"
}

STOPPED_PIDS=()
stop_component() {
  local name="$1" pid
  if pid="$(component_pid "$name")"; then
    kill_pid "$pid"
    STOPPED_PIDS+=("$pid")
    log "stopped $name (pid $pid)"
  fi
  rm -f "$(pid_file "$name")"
}

# `down` promises that not even a zombie is left for pgrep to find, so wait (bounded) for
# init to reap what was stopped; all at once, so it costs one reaper delay, not one each.
wait_reaped() {
  local deadline=$((SECONDS + 10)) pid left
  while :; do
    left=0
    for pid in "$@"; do if [[ -d "/proc/$pid" ]]; then left=1; fi; done
    ((left)) || return 0
    ((SECONDS < deadline)) || { log "warning: stopped processes not yet reaped by init: $*"; return 0; }
    sleep 0.1
  done
}

# Processes of this network whose pid file is gone (e.g. .runtime deleted by hand): a Fabric
# node is ours if its FABRIC_CFG_PATH is our config dir, a chaincode server if it serves our
# chaincode folder. Matching on that, not on a program name, leaves any other checkout alone.
stray_pids() {
  local d pid cmd envs
  for d in /proc/[0-9]*; do
    pid="${d#/proc/}"
    [[ "$pid" != "$$" ]] || continue
    cmd="$(tr '\0' ' ' 2>/dev/null <"$d/cmdline")" || continue
    case "$cmd" in
      "$PEER node start"* | "$ORDERER"*)
        envs="$(tr '\0' '\n' 2>/dev/null <"$d/environ")" || continue
        if grep -qx "FABRIC_CFG_PATH=$NET_CONFIG_DIR" <<<"$envs"; then
          printf '%s\n' "$pid"
        fi
        ;;
      *"fabric-chaincode-node server"*"--module-path $NET_CC_DIR"*) printf '%s\n' "$pid" ;;
    esac
  done
}

# ================================================================ channel

# orderer_has_channel [orderer]: the first orderer unless named.
orderer_has_channel() {
  local out
  out="$(osnadmin "${1:-orderer}" list 2>/dev/null)" || return 1
  grep -Eq "\"name\": *\"$NET_CHANNEL\"" <<<"$out"
}

# The Raft chain only accepts transactions once it has a leader; with one consenter that is
# a few ticks after the join. Each orderer reports whether it leads as a Prometheus gauge.
orderer_has_leader() {
  local out o
  for o in "${NET_ORDERERS[@]}"; do
    out="$(curl -fsS --max-time 2 "http://$NET_HOST:$(net_orderer_var "$o" OPS_PORT)/metrics" 2>/dev/null)" || continue
    if grep -Eq "^consensus_etcdraft_is_leader\{channel=\"$NET_CHANNEL\"\} 1$" <<<"$out"; then return 0; fi
  done
  return 1
}

# Endorsement by both organisations goes through the gateway peer's discovery, which knows the
# other organisation's peer only once gossip has met it through the anchor peers. /healthz says
# nothing about that, so wait for the gossip membership gauge as well.
peer_knows_other_org() {
  local out known
  out="$(curl -fsS --max-time 2 "http://$NET_HOST:$(net_org_var "$1" PEER_OPS_PORT)/metrics" 2>/dev/null)" || return 1
  known="$(sed -n "s/^gossip_membership_total_peers_known{channel=\"$NET_CHANNEL\"} \([0-9]*\)$/\1/p" <<<"$out")"
  # Every other organisation's peer (one each), not just the first one met.
  [[ -n "$known" ]] && ((known >= ${#NET_ORGS[@]} - 1))
}

wait_gossip() {
  local org
  for org in "${NET_ORGS[@]}"; do
    wait_until "peer-$org" "peer-$org to meet the other organisation's peer (gossip)" peer_knows_other_org "$org"
  done
}

peer_has_channel() {
  local out
  out="$(peer_as "$1" Admin channel list 2>/dev/null)" || return 1
  grep -qx "$NET_CHANNEL" <<<"$out"
}

join_channel() {
  local org o
  for o in "${NET_ORDERERS[@]}"; do
    orderer_has_channel "$o" && continue
    log "$o joins channel '$NET_CHANNEL' (osnadmin)"
    osnadmin "$o" join --channelID "$NET_CHANNEL" --config-block "$(genesis_block)" >"$NET_LOG_DIR/osnadmin.log" 2>&1 \
      || { cat "$NET_LOG_DIR/osnadmin.log" >&2; die "osnadmin channel join failed on $o"; }
  done
  wait_until orderer "a Raft leader on channel '$NET_CHANNEL'" orderer_has_leader
  for org in "${NET_ORGS[@]}"; do
    if ! peer_has_channel "$org"; then
      log "peer-$org joins channel '$NET_CHANNEL'"
      peer_as "$org" Admin channel join -b "$(genesis_block)" 2>&1 | grep -v '^$' >&2 || true
      peer_has_channel "$org" || die "peer-$org did not join channel '$NET_CHANNEL'"
    fi
  done
  wait_gossip
}

# ================================================================ a city joins the running channel

# json_of <expression> [args...]: JSON on stdin, the expression's value as JSON on stdout. The
# expression sees the input as `d`, the arguments as `a`, and `file(path)` parses a JSON file.
# Node, which the project needs anyway, so the province suite needs no jq.
json_of() {
  node -e '
    const fs = require("node:fs");
    const [expression, ...a] = process.argv.slice(1);
    const d = JSON.parse(fs.readFileSync(0, "utf8"));
    const value = new Function("d", "a", "file", `return (${expression});`)(d, a, (p) => JSON.parse(fs.readFileSync(p, "utf8")));
    process.stdout.write(JSON.stringify(value));
  ' "$@"
}

# The channel's configuration as JSON, fetched from the ordering service by <org>'s admin.
channel_config_json() {
  local org="$1" block="$2.block" out
  out="$(peer_as "$org" Admin channel fetch config "$block" "${orderer_args[@]}" -c "$NET_CHANNEL" 2>&1)" \
    || die "fetching the configuration of '$NET_CHANNEL': $out"
  "$CONFIGTXLATOR" proto_decode --input "$block" --type common.Block | json_of 'd.data.data[0].payload.data.config' >"$2"
}

# channel_add_org <org>: a configuration update that adds <org>'s group to the channel's
# Application groups, signed by as many admins as Application/Admins (MAJORITY Admins) needs.
channel_add_org() {
  local org="$1" name tmp o out existing=() signers
  name="$(net_org_var "$org" NAME)"
  tmp="$(mktemp -d)"
  channel_config_json reg "$tmp/config.json"
  if [[ "$(json_of 'a[0] in d.channel_group.groups.Application.groups' "$name" <"$tmp/config.json")" == true ]]; then
    log "$name is already in channel '$NET_CHANNEL'"
    rm -rf "$tmp"
    return
  fi
  # The new group written the way `up` writes the others: taken from a genesis block of the
  # topology that includes it (MSP, Readers/Writers/Admins/Endorsement, anchor peer).
  "$NET_FABRIC_BIN/configtxgen" -configPath "$NET_CONFIG_DIR" -profile TenderChannel -channelID "$NET_CHANNEL" \
    -outputBlock "$tmp/with-org.block" 2>"$NET_LOG_DIR/configtxgen.log" || die "configtxgen failed, see $NET_LOG_DIR/configtxgen.log"
  "$CONFIGTXLATOR" proto_decode --input "$tmp/with-org.block" --type common.Block |
    json_of 'd.data.data[0].payload.data.config.channel_group.groups.Application.groups[a[0]]' "$name" >"$tmp/org.json"
  json_of '(d.channel_group.groups.Application.groups[a[0]] = file(a[1]), d)' "$name" "$tmp/org.json" \
    <"$tmp/config.json" >"$tmp/updated.json"
  "$CONFIGTXLATOR" proto_encode --input "$tmp/config.json" --type common.Config --output "$tmp/config.pb"
  "$CONFIGTXLATOR" proto_encode --input "$tmp/updated.json" --type common.Config --output "$tmp/updated.pb"
  "$CONFIGTXLATOR" compute_update --channel_id "$NET_CHANNEL" --original "$tmp/config.pb" --updated "$tmp/updated.pb" \
    --output "$tmp/update.pb" || die "configtxlator compute_update found no difference"
  "$CONFIGTXLATOR" proto_decode --input "$tmp/update.pb" --type common.ConfigUpdate |
    json_of '({ payload: { header: { channel_header: { channel_id: a[0], type: 2 } }, data: { config_update: d } } })' "$NET_CHANNEL" \
    >"$tmp/envelope.json"
  "$CONFIGTXLATOR" proto_encode --input "$tmp/envelope.json" --type common.Envelope --output "$tmp/update.tx"
  for o in "${NET_ORGS[@]}"; do [[ "$o" == "$org" ]] || existing+=("$o"); done
  # MAJORITY of n is n/2 + 1 (integer division); the last signer's `update` adds its own signature.
  signers=("${existing[@]:0:$((${#existing[@]} / 2 + 1))}")
  for o in "${signers[@]:0:${#signers[@]}-1}"; do
    log "$(net_org_var "$o" MSPID)'s admin signs the update adding $name"
    out="$(peer_as "$o" Admin channel signconfigtx -f "$tmp/update.tx" 2>&1)" || die "signconfigtx by $o: $out"
  done
  o="${signers[-1]}"
  log "$(net_org_var "$o" MSPID)'s admin signs and submits it (${#signers[@]} of ${#existing[@]} admins)"
  out="$(peer_as "$o" Admin channel update -f "$tmp/update.tx" -c "$NET_CHANNEL" "${orderer_args[@]}" 2>&1)" \
    || die "channel update: $out"
  rm -rf "$tmp"
}

# The committed definition's sequence, plus one unless <org> already approved it (then it is
# the one add-city committed: running add-city's second half again does not bump it twice).
next_cc_sequence() {
  local org="$1" out seq
  out="$(peer_as tc Admin lifecycle chaincode querycommitted -C "$NET_CHANNEL" -n "$NET_CC_NAME" 2>&1)" \
    || die "querycommitted: $out"
  seq="$(sed -n 's/.*Sequence: \([0-9]*\),.*/\1/p' <<<"$out")"
  [[ -n "$seq" ]] || die "no committed definition of '$NET_CC_NAME': run 'deploy' first"
  if grep -q "$(net_org_var "$org" MSPID): true" <<<"$out"; then printf '%s' "$seq"; else printf '%s' "$((seq + 1))"; fi
}

cmd_add_city() {
  net_province || die "add-city needs the province network (CITIES=N network.sh up)"
  ! external_nodes || die "add-city starts the new city's peer and chaincode server here: not with NET_EXTERNAL_NODES=1"
  ((NET_CITIES < 9)) || die "the province network has 9 cities already"
  preflight
  require_up
  committed || die "chaincode '$NET_CC_NAME' sequence $NET_CC_SEQUENCE is not committed: run 'deploy' first"
  # The rest runs with the topology that includes the new city (env.sh derives every name,
  # port and the chaincode policy from CITIES).
  CITIES=$((NET_CITIES + 1)) exec bash "${BASH_SOURCE[0]}" join-city
}

# add-city's second half, with CITIES already counting the new city, the last one.
cmd_join_city() {
  local org="c$NET_CITIES" c started=$SECONDS
  preflight
  for c in "${NODES[@]}"; do
    [[ "$c" == "peer-$org" ]] || is_running "$c" || die "$c is not running; run 'up' first"
  done
  set_orderer_args
  write_config
  log "generating crypto material of $(net_org_var "$org" NAME) (cryptogen extend)"
  "$NET_FABRIC_BIN/cryptogen" extend --config="$NET_CONFIG_DIR/crypto-config.yaml" --input="$NET_CRYPTO_DIR" >/dev/null
  channel_add_org "$org"
  # From here on every command addresses the network with the new city.
  printf '%s\n' "$NET_CITIES" >"$NET_RUNTIME/cities"
  start_component "peer-$org"
  wait_healthy "peer-$org"
  join_channel
  # The chaincode-wide policy names every centre: the next definition names the new one too.
  NET_CC_SEQUENCE="$(next_cc_sequence "$org")"
  mkdir -p "$NET_STATE_DIR"
  printf '%s' "$NET_CC_SEQUENCE" >"$NET_STATE_DIR/cc-sequence"
  cmd_deploy
  log "add-city: $(net_org_var "$org" NAME) ($(net_org_var "$org" MSPID)) trades on '$NET_CHANNEL' after $((SECONDS - started)) s"
}

# ================================================================ commands

preflight() {
  need_cmd curl setsid tar gzip sha256sum awk
  fabric_present || cmd_build
  mkdir -p "$NET_LOG_DIR" "$NET_PID_DIR"
}

cmd_up() {
  local c
  preflight
  write_config
  [[ -f "$(genesis_block)" ]] || generate_artifacts
  if net_province; then printf '%s\n' "$NET_CITIES" >"$NET_RUNTIME/cities"; fi
  # Start every node before waiting on any: they boot in parallel.
  for c in "${NODES[@]}"; do start_component "$c"; done
  for c in "${NODES[@]}"; do wait_healthy "$c"; done
  join_channel
  local peers="" org
  for org in "${NET_ORGS[@]}"; do peers+="${peers:+, }$NET_HOST:$(net_org_var "$org" PEER_PORT) ($(net_org_var "$org" NAME))"; done
  log "up: orderer(s) ${NET_ORDERERS[*]} from $NET_HOST:$NET_ORDERER_PORT, peers $peers, channel '$NET_CHANNEL'"
}

require_up() {
  local c
  for c in "${NODES[@]}"; do
    is_running "$c" || die "$c is not running; run 'up' first"
  done
}

# A deterministic tar.gz (fixed order, owner, mtime; no gzip timestamp): the same content
# gives the same package id on every run. Args: output dir files...
det_tgz() {
  local out="$1" dir="$2"; shift 2
  tar -C "$dir" --sort=name --mtime='@0' --owner=0 --group=0 --numeric-owner -cf - "$@" | gzip -n >"$out"
}

# Fabric's package id: label, colon, SHA-256 of the package file.
package_id() { printf '%s:%s' "$2" "$(sha256sum "$1" | cut -c1-64)"; }

build_chaincode() {
  [[ -x "$NET_REPO_ROOT/node_modules/.bin/tsc" ]] || die "TypeScript missing; run 'npm install' in $NET_REPO_ROOT"
  # tsc -b is incremental (and builds the domain package it references): cheap when current.
  (cd "$NET_REPO_ROOT" && node_modules/.bin/tsc -b "$NET_CC_DIR") || die "chaincode does not compile"
  [[ -f "$NET_CC_DIR/dist/index.js" ]] || die "no $NET_CC_DIR/dist/index.js after build"
}

# Each org's ccaas package differs only in connection.json: the address of its own server.
make_ccaas_package() {
  local org="$1" out="$2" tmp
  tmp="$(mktemp -d)"
  mkdir -p "$tmp/code" "$tmp/pkg"
  printf '{"address":"%s:%s","dial_timeout":"10s","tls_required":false}\n' \
    "$NET_HOST" "$(net_org_var "$org" CC_PORT)" >"$tmp/code/connection.json"
  printf '{"type":"ccaas","label":"%s"}\n' "$NET_CC_LABEL" >"$tmp/pkg/metadata.json"
  det_tgz "$tmp/pkg/code.tar.gz" "$tmp/code" connection.json
  det_tgz "$out" "$tmp/pkg" metadata.json code.tar.gz
  rm -rf "$tmp"
}

committed() {
  local out
  out="$(peer_as tc Admin lifecycle chaincode querycommitted -C "$NET_CHANNEL" -n "$NET_CC_NAME" 2>/dev/null)" || return 1
  grep -q "Sequence: $NET_CC_SEQUENCE," <<<"$out"
}

approved_by() {
  local org="$1" out
  out="$(peer_as "$org" Admin lifecycle chaincode checkcommitreadiness -C "$NET_CHANNEL" -n "$NET_CC_NAME" \
    -v "$NET_CC_VERSION" --sequence "$NET_CC_SEQUENCE" --signature-policy "$NET_CC_POLICY" 2>/dev/null)" || return 1
  grep -q "$(net_org_var "$org" MSPID): true" <<<"$out"
}

# The first call makes each peer dial its chaincode server, so `deploy` returns only once
# the chaincode answers on both peers.
chaincode_answers() {
  peer_as "$1" Admin chaincode query -C "$NET_CHANNEL" -n "$NET_CC_NAME" -c "$NET_CC_PROBE" >/dev/null 2>&1
}

cmd_deploy() {
  local org pkg id pid peers=() out
  preflight
  require_up
  set_orderer_args
  build_chaincode
  mkdir -p "$NET_STATE_DIR"
  for org in "${NET_ORGS[@]}"; do
    pkg="$NET_STATE_DIR/cc-$org.ccaas.tar.gz"
    make_ccaas_package "$org" "$pkg"
    id="$(package_id "$pkg" "$NET_CC_LABEL")"
    printf '%s' "$id" >"$NET_STATE_DIR/cc-$org.package-id"
    out="$(peer_as "$org" Admin lifecycle chaincode queryinstalled 2>&1)" || die "queryinstalled on peer-$org: $out"
    if ! grep -qF "Package ID: $id," <<<"$out"; then
      log "installing $id on peer-$org"
      out="$(peer_as "$org" Admin lifecycle chaincode install "$pkg" 2>&1)" || die "install on peer-$org: $out"
    fi
    # The server must run under the id the peer knows, or the peer's Register check fails.
    # External servers (containers) were started with `cc-ids`' ids: only waited for below.
    if ! external_nodes; then
      if pid="$(component_pid "cc-$org")" && [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" != *"--chaincode-id $id "* ]]; then
        stop_component "cc-$org"
      fi
      start_component "cc-$org"
    fi
    peers+=(--peerAddresses "$NET_HOST:$(net_org_var "$org" PEER_PORT)" --tlsRootCertFiles "$(net_peer_tls_ca "$org")")
  done
  for org in "${NET_ORGS[@]}"; do wait_healthy "cc-$org"; done

  if committed; then
    log "chaincode '$NET_CC_NAME' sequence $NET_CC_SEQUENCE already committed"
  else
    for org in "${NET_ORGS[@]}"; do
      approved_by "$org" && continue
      log "$(net_org_var "$org" MSPID) approves '$NET_CC_NAME' $NET_CC_VERSION sequence $NET_CC_SEQUENCE"
      out="$(peer_as "$org" Admin lifecycle chaincode approveformyorg "${orderer_args[@]}" -C "$NET_CHANNEL" \
        -n "$NET_CC_NAME" -v "$NET_CC_VERSION" --sequence "$NET_CC_SEQUENCE" --signature-policy "$NET_CC_POLICY" \
        --package-id "$(<"$NET_STATE_DIR/cc-$org.package-id")" --waitForEvent 2>&1)" || die "approve by $org: $out"
    done
    log "committing '$NET_CC_NAME' on channel '$NET_CHANNEL'"
    out="$(peer_as tc Admin lifecycle chaincode commit "${orderer_args[@]}" -C "$NET_CHANNEL" \
      -n "$NET_CC_NAME" -v "$NET_CC_VERSION" --sequence "$NET_CC_SEQUENCE" --signature-policy "$NET_CC_POLICY" \
      "${peers[@]}" --waitForEvent 2>&1)" || die "commit: $out"
  fi
  for org in "${NET_ORGS[@]}"; do
    wait_until "cc-$org" "chaincode to answer on peer-$org" chaincode_answers "$org"
  done
  write_connection_file
  log "deployed: chaincode '$NET_CC_NAME' on '$NET_CHANNEL'; client settings in $NET_CONNECTION_FILE"
}

json_str() {
  local s="${1//\\/\\\\}"
  printf '"%s"' "${s//\"/\\\"}"
}

write_connection_file() {
  local org first_org=1 u n dir key tmp o
  tmp="$NET_CONNECTION_FILE.tmp"
  {
    printf '{\n  "channel": %s,\n  "chaincode": %s,\n' "$(json_str "$NET_CHANNEL")" "$(json_str "$NET_CC_NAME")"
    printf '  "orderer": { "endpoint": %s, "hostAlias": %s, "tlsCACert": %s },\n' \
      "$(json_str "$NET_HOST:$NET_ORDERER_PORT")" "$(json_str "$NET_ORDERER_NAME")" "$(json_str "$NET_ORDERER_TLS_CA")"
    printf '  "peers": {'
    for org in "${NET_ORGS[@]}"; do
      ((first_org)) || printf ','
      first_org=0
      printf '\n    %s: { "endpoint": %s, "hostAlias": %s, "tlsCACert": %s }' \
        "$(json_str "$(net_org_var "$org" MSPID)")" "$(json_str "$NET_HOST:$(net_org_var "$org" PEER_PORT)")" \
        "$(json_str "$(net_peer_name "$org")")" "$(json_str "$(net_peer_tls_ca "$org")")"
    done
    printf '\n  },\n  "identities": {'
    first_org=1
    for org in "${NET_ORGS[@]}"; do
      ((first_org)) || printf ','
      first_org=0
      printf '\n    %s: {' "$(json_str "$(net_org_var "$org" MSPID)")"
      n="$(net_org_var "$org" USERS)"
      for ((u = 1; u <= n; u++)); do
        dir="$(net_user_dir "$org" "User$u")/msp"
        key="$(find "$dir/keystore" -type f | head -n 1)"
        ((u == 1)) || printf ','
        printf '\n      "User%s": { "cert": %s, "key": %s }' "$u" \
          "$(json_str "$dir/signcerts/User$u@$(net_org_var "$org" DOMAIN)-cert.pem")" "$(json_str "$key")"
      done
      printf '\n    }'
    done
    printf '\n  },\n  "operations": {\n    "orderer": %s' "$(json_str "http://$NET_HOST:$NET_ORDERER_OPS_PORT")"
    # The province's other orderers (by name; the first stays "orderer").
    for o in "${NET_ORDERERS[@]:1}"; do
      printf ',\n    %s: %s' "$(json_str "$o")" "$(json_str "http://$NET_HOST:$(net_orderer_var "$o" OPS_PORT)")"
    done
    for org in "${NET_ORGS[@]}"; do
      printf ',\n    %s: %s' "$(json_str "$(net_org_var "$org" MSPID)")" \
        "$(json_str "http://$NET_HOST:$(net_org_var "$org" PEER_OPS_PORT)")"
    done
    printf '\n  }\n}\n'
  } >"$tmp"
  mv "$tmp" "$NET_CONNECTION_FILE"  # readers never see a half-written file
}

cmd_down() {
  local c pid busy=() p
  local i
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do stop_component "${COMPONENTS[i]}"; done
  for pid in $(stray_pids); do
    log "stopping stray process $pid: $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | cut -c1-120)"
    kill_pid "$pid"
    STOPPED_PIDS+=("$pid")
  done
  wait_reaped "${STOPPED_PIDS[@]}"
  # Everything but logs/ (kept for post-mortems; truncated by the next fresh `up`) and
  # packages/ (output of `package`, not network state).
  rm -rf "$NET_CONFIG_DIR" "$NET_CRYPTO_DIR" "$NET_ARTIFACTS_DIR" "$NET_DATA_DIR" "$NET_PID_DIR" \
    "$NET_STATE_DIR" "$NET_CONNECTION_FILE" "$NET_RUNTIME/cities"
  for c in "${COMPONENTS[@]}"; do
    for p in $(component_all_ports "$c"); do
      if port_open "$p"; then busy+=("$p"); fi
    done
  done
  ((${#busy[@]} == 0)) || die "down: ports still listening (not ours?): ${busy[*]}"
  log "down"
}

cmd_status() {
  local c pid url health port
  printf '%-9s %-8s %-8s %-7s %s\n' COMPONENT STATE PID HEALTH LISTEN
  for c in "${COMPONENTS[@]}"; do
    port="$NET_HOST:$(component_port "$c")"
    if pid="$(component_pid "$c")"; then
      url="$(component_health_url "$c")"
      if [[ -n "$url" ]]; then
        health="$(http_ok "$url" && echo ok || echo FAIL)"
      else
        health="$(port_open "$(component_port "$c")" && echo ok || echo FAIL)"
      fi
      printf '%-9s %-8s %-8s %-7s %s\n' "$c" running "$pid" "$health" "$port"
    else
      printf '%-9s %-8s %-8s %-7s %s\n' "$c" stopped - - "$port"
    fi
  done
  if is_running orderer && [[ -f "$NET_ORDERER_TLS_CA" ]]; then
    # The first orderer speaks for the ordering service here (each joins the same channel).
    if orderer_has_channel; then
      printf 'orderer: channel %s joined, raft leader: %s\n' "$NET_CHANNEL" "$(orderer_has_leader && echo yes || echo no)"
    else
      printf 'orderer: channel %s not joined\n' "$NET_CHANNEL"
    fi
  fi
  for c in "${NET_ORGS[@]}"; do
    is_running "peer-$c" || continue
    local info
    info="$(peer_as "$c" Admin channel getinfo -c "$NET_CHANNEL" 2>/dev/null | sed -n 's/.*"height":\([0-9]*\).*/\1/p')"
    printf 'peer-%s: channel %s height %s\n' "$c" "$NET_CHANNEL" "${info:-n/a}"
  done
  if is_running peer-tc && committed; then
    printf 'chaincode: %s %s sequence %s committed\n' "$NET_CC_NAME" "$NET_CC_VERSION" "$NET_CC_SEQUENCE"
  fi
}

node_name() {
  local c
  for c in "${COMPONENTS[@]}"; do
    if [[ "${1:-}" == "$c" ]]; then printf '%s' "$c"; return; fi
  done
  die "expected one of: ${COMPONENTS[*]}"
}

cmd_start_node() {
  local name
  name="$(node_name "${1:-}")"
  preflight
  [[ -f "$(genesis_block)" ]] || die "the network was never brought up; run 'up'"
  start_component "$name"
  wait_healthy "$name"
  # A restarted orderer is healthy before its Raft chain has a leader again, and until then
  # it refuses transactions: a fault test must not race that.
  if [[ "$name" == orderer* ]] && orderer_has_channel; then
    wait_until orderer "a Raft leader on channel '$NET_CHANNEL'" orderer_has_leader
  fi
  # Likewise a restarted peer serves /healthz before gossip has found the other organisation.
  if [[ "$name" == peer-* ]] && orderer_has_channel; then
    wait_gossip
  fi
  log "$name healthy"
}

cmd_stop_node() {
  local name
  name="$(node_name "${1:-}")"
  stop_component "$name"
}

# The standalone package for a peer that builds Node chaincode itself (type "node"): the code
# folder must install with `npm ci` and nothing else, so the workspace package
# @tender-ledger/domain and @tender-ledger/tlog (symlinks here, unknown to any registry) travel inside it as
# `npm pack` tarball referenced by a file: dependency, with a lockfile that pins the rest.
cmd_package() {
  need_cmd npm node tar gzip sha256sum
  build_chaincode
  local tmp src tgz out id
  # Staged outside the repo: inside it, npm would treat the folder as part of the workspace.
  tmp="$(mktemp -d)"
  src="$tmp/src"
  mkdir -p "$src/vendor" "$tmp/pkg" "$NET_PACKAGES_DIR"
  tgz="$(cd "$NET_DOMAIN_DIR" && npm pack --silent --pack-destination "$src/vendor")"
  tgz="$(tail -n 1 <<<"$tgz")"
  [[ -f "$src/vendor/$tgz" ]] || die "npm pack of $NET_DOMAIN_DIR produced no tarball"
  local tlog_tgz
  tlog_tgz="$(cd "$NET_REPO_ROOT/tlog" && npm pack --silent --pack-destination "$src/vendor")"
  tlog_tgz="$(tail -n 1 <<<"$tlog_tgz")"
  [[ -f "$src/vendor/$tlog_tgz" ]] || die "npm pack of tlog produced no tarball"
  cp -R "$NET_CC_DIR/dist" "$src/dist"
  find "$src/dist" -name '*.map' -delete  # source maps point at src/, which is not shipped
  node -e '
    const fs = require("fs");
    const [from, to, dep, tlog] = process.argv.slice(1);
    const pkg = JSON.parse(fs.readFileSync(from, "utf8"));
    pkg.dependencies["@tender-ledger/domain"] = "file:vendor/" + dep;
    pkg.dependencies["@tender-ledger/tlog"] = "file:vendor/" + tlog;
    // tlog depends on the domain package too: the vendored one, never a registry lookup.
    pkg.overrides = { ...(pkg.overrides || {}), "@tender-ledger/domain": "$@tender-ledger/domain" };
    // The peer builder starts chaincode with `npm start`; keep only that script.
    pkg.scripts = { start: "fabric-chaincode-node start" };
    fs.writeFileSync(to, JSON.stringify(pkg, null, 2) + "\n");
  ' "$NET_CC_DIR/package.json" "$src/package.json" "$tgz" "$tlog_tgz"
  (cd "$src" && npm install --package-lock-only --omit=dev --ignore-scripts --no-audit --no-fund --silent) \
    || die "could not create package-lock.json for the chaincode package"
  printf '{"path":"chaincode","type":"node","label":"%s"}\n' "$NET_CC_LABEL" >"$tmp/pkg/metadata.json"
  det_tgz "$tmp/pkg/code.tar.gz" "$tmp" src
  out="$NET_PACKAGES_DIR/$NET_CC_LABEL.node.tar.gz"
  det_tgz "$out" "$tmp/pkg" metadata.json code.tar.gz
  rm -rf "$tmp"
  verify_package "$out"
  id="$(package_id "$out" "$NET_CC_LABEL")"
  log "package: $out"
  log "package id: $id"
}

# Install the package's code the way a peer's Node builder would, from the package alone.
verify_package() {
  local tmp
  tmp="$(mktemp -d)"
  tar -xzf "$1" -C "$tmp"
  mkdir "$tmp/code"
  tar -xzf "$tmp/code.tar.gz" -C "$tmp/code"
  log "verifying: npm ci --omit=dev in a copy of the package's code folder"
  (cd "$tmp/code/src" && npm ci --omit=dev --no-audit --no-fund --silent) || die "npm ci failed in the package"
  (cd "$tmp/code/src" && CORE_CHAINCODE_LOGGING_LEVEL=warning node -e '
    const m = require("./dist");
    if (!Array.isArray(m.contracts) || m.contracts.length === 0) throw new Error("no contracts exported");
  ') || die "the packaged chaincode does not load"
  rm -rf "$tmp"
  log "verified: the package installs and loads on its own"
}

# End-to-end check: a write endorsed by both orgs through TradingCentre User1, then a read.
cmd_smoke() {
  require_up
  set_orderer_args
  local hash out
  hash="$(head -c 32 /dev/urandom | sha256sum | cut -c1-64)"
  out="$(NET_CLI_LOG_SPEC=info peer_as tc User1 chaincode invoke "${orderer_args[@]}" -C "$NET_CHANNEL" -n "$NET_CC_NAME" \
    --peerAddresses "$NET_HOST:$NET_TC_PEER_PORT" --tlsRootCertFiles "$(net_peer_tls_ca tc)" \
    --peerAddresses "$NET_HOST:$NET_REG_PEER_PORT" --tlsRootCertFiles "$(net_peer_tls_ca reg)" \
    -c "{\"function\":\"notary:notariseDocument\",\"Args\":[\"{\\\"sha256\\\":\\\"$hash\\\",\\\"kind\\\":\\\"test\\\"}\"]}" \
    --waitForEvent 2>&1)" || die "invoke failed: $out"
  grep -q 'status:200' <<<"$out" || die "invoke did not succeed: $out"
  out="$(peer_as tc User1 chaincode query -C "$NET_CHANNEL" -n "$NET_CC_NAME" \
    -c "{\"function\":\"findByHash\",\"Args\":[\"$hash\"]}" 2>&1)" || die "query failed: $out"
  grep -q "\"sha256\":\"$hash\"" <<<"$out" || die "query did not return the record: $out"
  grep -q '"records":\[{' <<<"$out" || die "query returned no record: $out"
  log "smoke: notarised and found $hash"
}

cmd_peer_env() {
  local org="${1:-}" who="${2:-Admin}" line
  [[ " ${NET_ORGS[*]} " == *" $org "* ]] || die "usage: peer-env <${NET_ORGS[*]// /|}> [Admin|UserN]"
  [[ -d "$(net_user_dir "$org" "$who")" ]] || die "no identity $who for $org (is the network up?)"
  printf 'export PATH=%q:"$PATH"\n' "$NET_FABRIC_BIN"
  while IFS= read -r line; do printf 'export %s=%q\n' "${line%%=*}" "${line#*=}"; done < <(peer_cli_env "$org" "$who")
  printf 'export ORDERER_CA=%q\n' "$NET_ORDERER_TLS_CA"
}

# ================================================================ nodes run elsewhere

cmd_artifacts() {
  preflight
  write_config
  generate_artifacts
  log "artifacts: crypto in $NET_CRYPTO_DIR, genesis block $(genesis_block)"
}

# Per-node settings as env lines, minus FABRIC_CFG_PATH: an image brings its own config.
cmd_node_env() {
  case "${1:-}" in
    orderer*) orderer_env "$1" ;;
    peer-*) peer_node_env "${1#peer-}" ;;
    *) die "usage: node-env <${NODES[*]// /|}>" ;;
  esac | grep -v '^FABRIC_CFG_PATH='
}

# The package ids `deploy` will install (deterministic: label + connection.json), so that
# chaincode servers started elsewhere can be started with them first.
cmd_cc_ids() {
  local org pkg
  mkdir -p "$NET_STATE_DIR"
  for org in "${NET_ORGS[@]}"; do
    pkg="$NET_STATE_DIR/cc-$org.ccaas.tar.gz"
    make_ccaas_package "$org" "$pkg"
    printf '%s %s\n' "$org" "$(package_id "$pkg" "$NET_CC_LABEL")"
  done
}

cmd_channel() {
  preflight
  require_up
  join_channel
  log "channel '$NET_CHANNEL' joined by the orderer and both peers"
}

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit "${1:-0}"; }

main() {
  local cmd="${1:-}"
  shift || true
  case "$cmd" in
    build) cmd_build ;;
    up) cmd_up ;;
    deploy) cmd_deploy ;;
    down) cmd_down ;;
    status) cmd_status ;;
    package) cmd_package ;;
    start-node) cmd_start_node "$@" ;;
    stop-node) cmd_stop_node "$@" ;;
    smoke) cmd_smoke ;;
    add-city) cmd_add_city ;;
    join-city) cmd_join_city ;;
    peer-env) cmd_peer_env "$@" ;;
    artifacts) cmd_artifacts ;;
    node-env) cmd_node_env "$@" ;;
    cc-ids) cmd_cc_ids ;;
    channel) cmd_channel ;;
    core-yaml) fabric_present || cmd_build; write_core_yaml "$@" ;;
    -h | --help | help) usage 0 ;;
    *) usage 1 ;;
  esac
}

main "$@"
