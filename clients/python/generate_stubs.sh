#!/usr/bin/env bash
# Generates the Python stubs of the public API (lumina/v1/*.proto) into DIR (default: ./generated).
# Needs protoc and grpc_python_plugin (Debian: protobuf-compiler, protobuf-compiler-grpc).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/generated}"
protos="$here/../../proto/src/main/proto"
plugin="$(command -v grpc_python_plugin || true)"
if ! command -v protoc >/dev/null || [[ -z "$plugin" ]]; then
  echo "generate_stubs.sh: needs protoc and grpc_python_plugin (apt-get install protobuf-compiler protobuf-compiler-grpc)" >&2
  exit 2
fi
mkdir -p "$out"
protoc -I "$protos" --python_out="$out" --grpc_python_out="$out" \
  --plugin=protoc-gen-grpc_python="$plugin" \
  lumina/v1/generation.proto lumina/v1/models.proto
echo "$out"
