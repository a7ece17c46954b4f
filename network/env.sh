# shellcheck shell=bash disable=SC2034  # values are used by the scripts that source this file
# The one place for every port, path, name and version of the local Fabric network.
# Sourced by network.sh (and by anyone who wants the same values, e.g. tests).
# Every value can be overridden from the environment, so a busy port or another cache
# location never needs an edit here. Our own names use the NET_ prefix because the Fabric
# binaries read every CORE_* / ORDERER_* variable of their environment as configuration.

NET_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NET_REPO_ROOT="$(cd "$NET_DIR/.." && pwd)"

# ---------------------------------------------------------------- Fabric release
# v2.5.9 as the Go module proxy serves it: the fabric module has no v2 major path, so the
# release tag is only reachable through this pseudo-version of commit 7c3876255bf0.
NET_FABRIC_VERSION="${NET_FABRIC_VERSION:-2.5.9}"
NET_FABRIC_MODULE="github.com/hyperledger/fabric"
NET_FABRIC_MODULE_VERSION="${NET_FABRIC_MODULE_VERSION:-v1.4.0-rc1.0.20240618194258-7c3876255bf0}"
# Binaries are built once per machine and reused, outside the repo (a fresh clone must not
# rebuild them, and they must never be committed).
FABRIC_CACHE_DIR="${FABRIC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tender-fabric}"
NET_FABRIC_HOME="$FABRIC_CACHE_DIR/$NET_FABRIC_VERSION"
NET_FABRIC_BIN="$NET_FABRIC_HOME/bin"
NET_FABRIC_SAMPLECONFIG="$NET_FABRIC_HOME/sampleconfig"

# ---------------------------------------------------------------- runtime paths (git-ignored)
NET_RUNTIME="${NET_RUNTIME:-$NET_DIR/.runtime}"
NET_CONFIG_DIR="$NET_RUNTIME/config"        # core.yaml, orderer.yaml, rendered configtx.yaml
NET_CRYPTO_DIR="$NET_RUNTIME/crypto"        # cryptogen output
NET_ARTIFACTS_DIR="$NET_RUNTIME/artifacts"  # channel genesis block
NET_DATA_DIR="$NET_RUNTIME/data"            # ledgers of orderer and peers
NET_LOG_DIR="$NET_RUNTIME/logs"
NET_PID_DIR="$NET_RUNTIME/pids"
NET_STATE_DIR="$NET_RUNTIME/state"          # installed package ids
NET_PACKAGES_DIR="$NET_RUNTIME/packages"
NET_CONNECTION_FILE="$NET_RUNTIME/fabric-connection.json"

# ---------------------------------------------------------------- chaincode
NET_CHANNEL="${NET_CHANNEL:-tender}"
NET_CC_NAME="${NET_CC_NAME:-tender}"
NET_CC_VERSION="${NET_CC_VERSION:-1.0}"
# 1 from `deploy`; each `add-city` commits the next one (its policy names the new centre) and
# writes it to the runtime state, so later commands address the definition in force.
if [[ -z "${NET_CC_SEQUENCE:-}" && -f "$NET_STATE_DIR/cc-sequence" ]]; then NET_CC_SEQUENCE="$(<"$NET_STATE_DIR/cc-sequence")"; fi
NET_CC_SEQUENCE="${NET_CC_SEQUENCE:-1}"
NET_CC_LABEL="${NET_CC_NAME}_${NET_CC_VERSION}"
# A cheap read-only call that proves the chaincode answers on a peer. Not the contract-api's
# built-in GetMetadata: with class-transformer 0.4.1 (what fabric-contract-api 2.5.8's range
# resolves to) it fails with "classToPlain is not a function".
[[ -n "${NET_CC_PROBE:-}" ]] ||
  NET_CC_PROBE='{"function":"findByHash","Args":["0000000000000000000000000000000000000000000000000000000000000000"]}'
NET_CC_DIR="$NET_REPO_ROOT/chaincode"
NET_DOMAIN_DIR="$NET_REPO_ROOT/domain"
NET_CC_SERVER_BIN="$NET_REPO_ROOT/node_modules/.bin/fabric-chaincode-node"

# ---------------------------------------------------------------- addresses
# Added to every default port below: a second network (e.g. the container suite's, offset
# 1000) runs beside the host-process one without clashing. An explicit NET_*_PORT wins.
NET_PORT_OFFSET="${NET_PORT_OFFSET:-0}"
[[ "$NET_PORT_OFFSET" =~ ^[0-9]+$ ]] || { echo "NET_PORT_OFFSET must be a number, not '$NET_PORT_OFFSET'" >&2; exit 1; }
# Loopback only: this network must never be reachable from another host.
NET_HOST=127.0.0.1
NET_READY_TIMEOUT="${NET_READY_TIMEOUT:-60}"   # seconds to wait for a health endpoint
# FABRIC_LOGGING_SPEC of orderer and peers. At info a peer logs every gRPC call (126 MB in 45
# minutes under load); raise it to look into something, e.g. NET_LOG_SPEC=info or
# NET_LOG_SPEC='warning:gossip=debug'. The orderer warns each time a peer closes a broadcast
# stream it is done with (one per transaction: 640 KB of 650 KB in a bench run), so not that.
NET_LOG_SPEC="${NET_LOG_SPEC:-warning:orderer.common.broadcast=error}"
# The orderer's block cutting (configtx.yaml, read when the channel is created by `up`): a block
# is cut after BatchTimeout or at MaxMessageCount transactions, whichever comes first. 100 ms
# was measured best of 250/100/50 ms for bids over HTTP (README, "Benchmark"); under load no
# block reaches 100 transactions, so the timer cuts them all.
NET_BATCH_TIMEOUT="${NET_BATCH_TIMEOUT:-100ms}"
[[ "$NET_BATCH_TIMEOUT" =~ ^[0-9]+(ms|s)$ ]] || { echo "NET_BATCH_TIMEOUT must be like 250ms or 2s, not '$NET_BATCH_TIMEOUT'" >&2; exit 1; }
NET_BATCH_MAX_MESSAGES="${NET_BATCH_MAX_MESSAGES:-100}"
[[ "$NET_BATCH_MAX_MESSAGES" =~ ^[1-9][0-9]*$ ]] || { echo "NET_BATCH_MAX_MESSAGES must be a positive number, not '$NET_BATCH_MAX_MESSAGES'" >&2; exit 1; }
# CORE_CHAINCODE_LOGGING_LEVEL of the chaincode servers (fabric-shim: debug, info, warning, error).
NET_CC_LOG_LEVEL="${NET_CC_LOG_LEVEL:-warning}"
# 1: the chaincode servers also offer `bench:put` (one write, no rules), the trivial ceiling
# `BENCH_BACKEND=fabric npm run bench` measures bids against. These local networks are for
# development, tests and benchmarks; the containers' deployment leaves it out.
NET_BENCH_CONTRACT="${NET_BENCH_CONTRACT:-1}"
# Fabric's default log format has colour escapes; logs here are files to grep.
NET_LOG_FORMAT='%{time:2006-01-02 15:04:05.000 MST} %{level:.4s} [%{module}] %{shortfunc} -> %{message}' 

# ---------------------------------------------------------------- topology
# CITIES unset: the seed's network, one trading centre (tc), the regulator (reg), one orderer.
# CITIES=N (1-9): the province network (全省一张网): N city trading centres, the first being the
# seed's TradingCentre (tc) and the others city2..cityN (c2..cN), the province centre (prov)
# and the regulator, one peer and one chaincode server each, and three Raft orderers, so
# losing one orderer keeps the channel writing. `up` remembers N in the runtime folder, so
# later commands (deploy, status, down) address the network that runs without repeating it.
NET_CITIES="${CITIES:-}"
if [[ -z "$NET_CITIES" && -f "$NET_RUNTIME/cities" ]]; then NET_CITIES="$(<"$NET_RUNTIME/cities")"; fi
[[ -z "$NET_CITIES" || "$NET_CITIES" =~ ^[1-9]$ ]] || { echo "CITIES must be a number from 1 to 9, not '$NET_CITIES'" >&2; exit 1; }
net_province() { [[ -n "$NET_CITIES" ]]; }

NET_ORDERER_DOMAIN=tender.local
NET_ORDERER_MSPID=OrdererMSP
# Orderers are addressed by their host name; per-orderer values are NET_<NAME>_<FIELD>.
if net_province; then NET_ORDERERS=(orderer orderer2 orderer3); else NET_ORDERERS=(orderer); fi
NET_ORDERER_NAME=orderer.tender.local
NET_ORDERER_PORT="${NET_ORDERER_PORT:-$((7050 + NET_PORT_OFFSET))}"
NET_ORDERER_ADMIN_PORT="${NET_ORDERER_ADMIN_PORT:-$((7053 + NET_PORT_OFFSET))}"
NET_ORDERER_OPS_PORT="${NET_ORDERER_OPS_PORT:-$((9443 + NET_PORT_OFFSET))}"
NET_ORDERER2_PORT="${NET_ORDERER2_PORT:-$((7150 + NET_PORT_OFFSET))}"
NET_ORDERER2_ADMIN_PORT="${NET_ORDERER2_ADMIN_PORT:-$((7153 + NET_PORT_OFFSET))}"
NET_ORDERER2_OPS_PORT="${NET_ORDERER2_OPS_PORT:-$((9446 + NET_PORT_OFFSET))}"
NET_ORDERER3_PORT="${NET_ORDERER3_PORT:-$((7250 + NET_PORT_OFFSET))}"
NET_ORDERER3_ADMIN_PORT="${NET_ORDERER3_ADMIN_PORT:-$((7253 + NET_PORT_OFFSET))}"
NET_ORDERER3_OPS_PORT="${NET_ORDERER3_OPS_PORT:-$((9447 + NET_PORT_OFFSET))}"
# A single consenter has nobody to disagree with, so a fast tick only makes the first election
# quicker; three on a busy machine need a slower one, or a late heartbeat starts an election.
if net_province; then NET_RAFT_TICK="${NET_RAFT_TICK:-250ms}"; else NET_RAFT_TICK="${NET_RAFT_TICK:-100ms}"; fi

# Organisations are addressed by a short key (tc, reg, prov, c2..c9); per-org values are
# NET_<KEY>_<FIELD>, read with net_org_var. Users are User1..User<N> (cryptogen naming).
NET_ORGS=(tc reg)
if net_province; then
  NET_ORGS=(tc)
  for ((net_i = 2; net_i <= NET_CITIES; net_i++)); do NET_ORGS+=("c$net_i"); done
  NET_ORGS+=(prov reg)
fi

NET_TC_NAME=TradingCentre
NET_TC_MSPID=TradingCentreMSP
NET_TC_DOMAIN=tradingcentre.tender.local
NET_TC_USERS=5                                   # one per trading platform
NET_TC_PEER_PORT="${NET_TC_PEER_PORT:-$((7051 + NET_PORT_OFFSET))}"
NET_TC_PEER_CC_PORT="${NET_TC_PEER_CC_PORT:-$((7052 + NET_PORT_OFFSET))}"
NET_TC_PEER_OPS_PORT="${NET_TC_PEER_OPS_PORT:-$((9444 + NET_PORT_OFFSET))}"
NET_TC_CC_PORT="${NET_TC_CC_PORT:-$((9999 + NET_PORT_OFFSET))}"         # this org's chaincode server

# Gateway identities each chaincode server trusts to name, in transient data, the bidder a read is
# for (TENDER_BIDDER_PROXIES: <mspId>/<common name>, comma-separated); the gateway's
# FABRIC_BIDDER_IDENTITY (default: its public user, User5) must be one of them.
NET_BIDDER_PROXIES="${NET_BIDDER_PROXIES:-$NET_TC_MSPID/User5@$NET_TC_DOMAIN}"

NET_REG_NAME=Regulator
NET_REG_MSPID=RegulatorMSP
NET_REG_DOMAIN=regulator.tender.local
NET_REG_USERS=1
NET_REG_PEER_PORT="${NET_REG_PEER_PORT:-$((9051 + NET_PORT_OFFSET))}"
NET_REG_PEER_CC_PORT="${NET_REG_PEER_CC_PORT:-$((9052 + NET_PORT_OFFSET))}"
NET_REG_PEER_OPS_PORT="${NET_REG_PEER_OPS_PORT:-$((9445 + NET_PORT_OFFSET))}"
NET_REG_CC_PORT="${NET_REG_CC_PORT:-$((9998 + NET_PORT_OFFSET))}"

# The province's other centres. Their ports are a block of four per organisation from 12100
# (peer, its chaincode listener, operations, chaincode server), away from every default port
# of the seed's network and of its offset copies (1000, 2000, 3000).
net_centre() {  # net_centre <key> <slot> <name> <domain>
  local key="${1^^}" base=$((12100 + 10 * $2 + NET_PORT_OFFSET))
  printf -v "NET_${key}_NAME" '%s' "$3"
  printf -v "NET_${key}_MSPID" '%sMSP' "$3"
  printf -v "NET_${key}_DOMAIN" '%s' "$4"
  printf -v "NET_${key}_USERS" '%s' 2
  printf -v "NET_${key}_PEER_PORT" '%s' "$base"
  printf -v "NET_${key}_PEER_CC_PORT" '%s' "$((base + 1))"
  printf -v "NET_${key}_PEER_OPS_PORT" '%s' "$((base + 2))"
  printf -v "NET_${key}_CC_PORT" '%s' "$((base + 3))"
}
if net_province; then
  net_centre prov 0 Province province.tender.local
  for ((net_i = 2; net_i <= NET_CITIES; net_i++)); do net_centre "c$net_i" "$net_i" "City$net_i" "city$net_i.tender.local"; done
fi

# The chaincode-wide endorsement policy. The seed's network: both organisations. The province:
# the regulator and any one centre; each project's keys then carry their own policy, set by the
# chaincode at registration (the registering centre AND the regulator: key-level endorsement).
# The regulator stays in the chaincode-wide policy because a key a transaction creates is
# checked against this one: without it a city's peer alone could create keys in another's project.
if net_province; then
  net_any=""
  for net_k in "${NET_ORGS[@]}"; do
    net_v="NET_${net_k^^}_MSPID"
    [[ "$net_k" == reg ]] || net_any+="${net_any:+,}'${!net_v}.peer'"
  done
  NET_CC_POLICY="${NET_CC_POLICY:-AND('$NET_REG_MSPID.peer',OR($net_any))}"
else
  NET_CC_POLICY="${NET_CC_POLICY:-AND('TradingCentreMSP.peer','RegulatorMSP.peer')}"
fi

# net_org_var tc PEER_PORT -> 7051
net_org_var() {
  local name="NET_${1^^}_$2"
  printf '%s' "${!name}"
}

# net_orderer_var orderer2 PORT -> 7150
net_orderer_var() {
  local name="NET_${1^^}_$2"
  printf '%s' "${!name}"
}

# Crypto material locations derived from cryptogen's fixed layout.
NET_ORDERER_ORG_DIR="$NET_CRYPTO_DIR/ordererOrganizations/$NET_ORDERER_DOMAIN"
net_orderer_dir() { printf '%s/orderers/%s.%s' "$NET_ORDERER_ORG_DIR" "$1" "$NET_ORDERER_DOMAIN"; }
NET_ORDERER_NODE_DIR="$(net_orderer_dir orderer)"
NET_ORDERER_TLS_CA="$NET_ORDERER_NODE_DIR/tls/ca.crt"
NET_ORDERER_ADMIN_DIR="$NET_ORDERER_ORG_DIR/users/Admin@$NET_ORDERER_DOMAIN"

net_org_dir() { printf '%s' "$NET_CRYPTO_DIR/peerOrganizations/$(net_org_var "$1" DOMAIN)"; }
net_peer_name() { printf 'peer0.%s' "$(net_org_var "$1" DOMAIN)"; }
net_peer_dir() { printf '%s/peers/%s' "$(net_org_dir "$1")" "$(net_peer_name "$1")"; }
net_peer_tls_ca() { printf '%s/tls/ca.crt' "$(net_peer_dir "$1")"; }
net_user_dir() { printf '%s/users/%s@%s' "$(net_org_dir "$1")" "$2" "$(net_org_var "$1" DOMAIN)"; }

# Flat copies for the YAML templates (which can only name variables).
NET_TC_ORG_DIR="$(net_org_dir tc)"
NET_REG_ORG_DIR="$(net_org_dir reg)"
