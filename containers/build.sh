#!/usr/bin/env bash
# Builds every image of the tender ledger from nothing: orderer, peer, chaincode server, gateway.
#
# Usage: containers/build.sh [--registry-base]
#   (default)         no registry needed: a Debian bookworm base made with debootstrap from the
#                     mirror in this machine's apt sources (skipped when the image exists) and a
#                     Node base holding this machine's Node 20 binary
#   --registry-base   the Dockerfiles' defaults, debian:bookworm-slim and node:20-bookworm-slim,
#                     pulled as usual (an ordinary machine with Docker Hub)
# Fabric binaries come from network/network.sh build's cache (built there if missing); the
# chaincode and gateway from this checkout's build (`npm ci && npm run build` first).
# Images: tender-ledger/{orderer,peer,chaincode,gateway}:$TENDER_IMAGE_TAG (default "local").
set -euo pipefail

CT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../network/env.sh
source "$CT_DIR/../network/env.sh"
REPO="$NET_REPO_ROOT"
STAGE="$CT_DIR/.build"      # git-ignored build contexts
TAG="${TENDER_IMAGE_TAG:-local}"
LOCAL_BASE=tender-ledger/debian:bookworm
LOCAL_NODE=tender-ledger/node:20-bookworm

log() { printf '[containers] %s\n' "$*" >&2; }
die() { printf '[containers] error: %s\n' "$*" >&2; exit 1; }

has_image() { docker image inspect "$1" >/dev/null 2>&1; }

# A minimal Debian root filesystem from the configured mirror, without docs, man pages,
# locales or apt lists (they only make every image bigger).
build_debian_base() {
  if has_image "$LOCAL_BASE"; then
    log "$LOCAL_BASE present, debootstrap skipped"
    return
  fi
  command -v debootstrap >/dev/null || die "debootstrap missing (apt-get install debootstrap)"
  local mirror root
  mirror="$(sed -n 's/^URIs: *\(http[^ ]*debian\/\{0,1\}\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)"
  [[ -n "$mirror" ]] || mirror="$(awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)"
  [[ -n "$mirror" ]] || die "no Debian mirror found in /etc/apt/sources.list*"
  root="$(mktemp -d)"
  log "debootstrap --variant=minbase bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$STAGE/debootstrap.log" 2>&1 \
    || { tail -n 20 "$STAGE/debootstrap.log" >&2; die "debootstrap failed (log: $STAGE/debootstrap.log)"; }
  rm -rf "$root"/usr/share/{doc,man,info,locale}/* "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* \
    "$root"/var/cache/debconf/*-old "$root"/var/log/*
  tar -C "$root" -c . | docker import --change 'CMD ["/bin/bash"]' - "$LOCAL_BASE" >/dev/null
  rm -rf "$root"
  log "imported $LOCAL_BASE"
}

build_node_base() {
  local node version
  node="$(command -v node)" || die "node not on PATH"
  version="$("$node" --version)"
  [[ "$version" =~ ^v(2[0-9]|[3-9][0-9])\. ]] || die "node $version on PATH; the gateway needs Node 20.19 or later"
  if [[ "$(docker image inspect -f '{{index .Config.Labels "node.version"}}' "$LOCAL_NODE" 2>/dev/null)" == "$version" ]]; then
    log "$LOCAL_NODE ($version) present"
    return
  fi
  rm -rf "$STAGE/node-base" && mkdir -p "$STAGE/node-base"
  cp "$node" "$STAGE/node-base/node"
  cp "$CT_DIR/node-base/Dockerfile" "$STAGE/node-base/"
  docker build -q --build-arg "BASE=$LOCAL_BASE" --label "node.version=$version" -t "$LOCAL_NODE" "$STAGE/node-base" >/dev/null
  log "built $LOCAL_NODE with this machine's node $version"
}

# app/ for a Node image: the root manifest limited to the given workspaces, their package.json
# and compiled dist/ (no sources, tests or maps), and production dependencies only, installed
# from the lockfile's versions (npm's cache makes a rebuild offline).
stage_node_app() {
  local app="$1"; shift
  local ws
  rm -rf "$app" && mkdir -p "$app"
  cp "$REPO/package.json" "$REPO/package-lock.json" "$app/"
  for ws in "$@"; do
    [[ -d "$REPO/$ws/dist" ]] || die "$ws/dist missing: run 'npm ci && npm run build' first"
    mkdir -p "$app/$ws"
    cp "$REPO/$ws/package.json" "$app/$ws/"
    cp -R "$REPO/$ws/dist" "$app/$ws/dist"
  done
  [[ ! -d "$REPO/gateway/web/dist" || ! " $* " =~ " gateway " ]] || { mkdir -p "$app/gateway/web"; cp -R "$REPO/gateway/web/dist" "$app/gateway/web/dist"; }
  find "$app" -name '*.map' -delete -o -name '*.d.ts' -delete -o -name '*.tsbuildinfo' -delete
  node -e '
    const fs = require("fs");
    const [file, ...ws] = process.argv.slice(1);
    const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
    pkg.workspaces = ws; delete pkg.devDependencies; pkg.scripts = {};
    fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
  ' "$app/package.json" "$@"
  (cd "$app" && npm install --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null) \
    || die "npm install --omit=dev failed in $app"
  rm -f "$app/package-lock.json"
}

# A workspace missing from a stage_node_app list shows up here, not in a container.
# Loads the entry point from a copy outside the repository: inside it, Node would find a
# workspace missing from the image in the repository's own node_modules and the check would pass.
check_loads() {
  local copy
  copy=$(mktemp -d "${TMPDIR:-/tmp}/tender-loadcheck-XXXXXX")
  cp -R "$1/." "$copy/"
  # The require in a try: fabric-shim installs an uncaughtException handler that logs and lets the process exit 0.
  (cd "$copy" && CORE_CHAINCODE_LOGGING_LEVEL=warning node -e 'try { require(process.argv[1]); } catch (e) { console.error(e.message); process.exit(1); }' "./$2") \
    || { rm -rf "$copy"; die "$2 does not load from the staged app in $1 (a workspace missing from its list?)"; }
  rm -rf "$copy"
}

stage_fabric() {
  local ctx="$STAGE/fabric"
  bash "$REPO/network/network.sh" build
  rm -rf "$ctx" && mkdir -p "$ctx/bin" "$ctx/config" "$ctx/builders"
  cp "$NET_FABRIC_BIN/peer" "$NET_FABRIC_BIN/orderer" "$NET_FABRIC_BIN/osnadmin" "$ctx/bin/"
  cp "$NET_FABRIC_SAMPLECONFIG/orderer.yaml" "$ctx/config/"
  cp -R "$NET_DIR/builders/ccaas" "$ctx/builders/ccaas"
  bash "$REPO/network/network.sh" core-yaml "$ctx/config/core.yaml" /opt/tender/builders/ccaas
  cp "$CT_DIR/healthz" "$ctx/"
}

build_image() {
  local name="$1" ctx="$2" start=$SECONDS
  cp "$CT_DIR/$name/Dockerfile" "$ctx/Dockerfile"
  docker build -q "${BUILD_ARGS[@]}" -t "tender-ledger/$name:$TAG" "$ctx" >/dev/null \
    || die "docker build of tender-ledger/$name failed"
  log "tender-ledger/$name:$TAG built in $((SECONDS - start)) s"
}

main() {
  command -v docker >/dev/null || die "docker missing"
  docker info >/dev/null 2>&1 || die "docker daemon not reachable"
  mkdir -p "$STAGE"
  BUILD_ARGS=()
  case "${1:-}" in
    --registry-base) ;;
    "")
      build_debian_base
      build_node_base
      BUILD_ARGS=(--build-arg "BASE=$LOCAL_BASE" --build-arg "NODE_BASE=$LOCAL_NODE")
      ;;
    *) die "usage: containers/build.sh [--registry-base]" ;;
  esac
  stage_fabric
  build_image orderer "$STAGE/fabric"
  build_image peer "$STAGE/fabric"
  stage_node_app "$STAGE/chaincode/app" domain tlog chaincode
  cp "$CT_DIR/healthz" "$STAGE/chaincode/"
  check_loads "$STAGE/chaincode/app" chaincode/dist/index.js
  build_image chaincode "$STAGE/chaincode"
  stage_node_app "$STAGE/gateway/app" domain tlog trust chaincode ledger client-sdk witness gateway
  check_loads "$STAGE/gateway/app" gateway/dist/index.js
  cp "$CT_DIR/healthz" "$STAGE/gateway/"
  build_image gateway "$STAGE/gateway"
  docker images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^tender-ledger/' >&2
}

main "$@"
