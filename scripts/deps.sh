#!/usr/bin/env bash
# Dependency step used by both README commands: checks for the Debian packages the
# build needs, installs the missing ones when run as root, or prints the exact
# apt-get line and exits 1 otherwise.  Idempotent and quiet when all is present.
set -euo pipefail
pkgs=()
command -v re2c >/dev/null 2>&1 || pkgs+=(re2c)
command -v lemon >/dev/null 2>&1 && [ -f /usr/share/lemon/lempar.c ] || pkgs+=(lemon)
[ -f /usr/include/msgpack.h ] || pkgs+=(libmsgpack-dev)
command -v llvm-config-19 >/dev/null 2>&1 || pkgs+=(llvm-19-dev)
[ -f /usr/include/zstd.h ] || pkgs+=(libzstd-dev)
command -v cc >/dev/null 2>&1 || pkgs+=(gcc)
command -v clang >/dev/null 2>&1 || pkgs+=(clang)
command -v make >/dev/null 2>&1 || pkgs+=(make)
# libFuzzer and the sanitizer runtimes for clang
[ -d /usr/lib/llvm-14/lib/clang ] && ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 || pkgs+=(libclang-rt-14-dev)
if [ ${#pkgs[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ]; then
  echo "deps: installing ${pkgs[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
else
  echo "deps: missing packages; run as root:" >&2
  echo "  apt-get update && apt-get install -y ${pkgs[*]}" >&2
  exit 1
fi
