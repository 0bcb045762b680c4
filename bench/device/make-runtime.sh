#!/usr/bin/env bash
# Builds what run-checks.sh needs on a machine without a JDK or Maven: the CLI jar and a trimmed Java runtime
# (jlink) in bench/device/.runtime (ignored by git), at most 60 MiB in all so it can travel with the tree.
# Usage, from anywhere: bench/device/make-runtime.sh
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
out="$root/bench/device/.runtime"
limit_mib=60
. "$root/scripts/find-java.sh"

"$root/selfee" --help >/dev/null # builds cli/target/selfee.jar when missing or stale
jar="$root/cli/target/selfee.jar"

# Modules the jar uses, as jdeps finds them, plus the Vector API and java.logging (which Jackson's module requires),
# minus java.desktop and java.sql: only Jackson reaches them, as optional ('requires static') support for
# java.beans and java.sql types that selfee never (de)serialises; they would add ~20 MiB.
modules=$("$JAVA_HOME/bin/jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps "$jar" 2>/dev/null) \
  || { "$JAVA_HOME/bin/jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps "$jar"; exit 1; }
modules=$(echo "$modules,java.logging,jdk.incubator.vector" | tr ',' '\n' | grep -v -x -e java.desktop -e java.sql -e '' | sort -u | paste -sd, -)
echo "make-runtime: modules $modules" >&2

rm -rf "$out"
mkdir -p "$out"
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress zip-9 \
  --output "$out/java" >"$out.log" 2>&1 || { cat "$out.log" >&2; exit 1; }
rm -f "$out.log"
# The JVM's own symbol table is only for crash reports; dropping it saves ~5 MiB of the carried size.
if command -v strip >/dev/null 2>&1; then strip --strip-unneeded "$out/java/lib/server/libjvm.so"; fi
cp "$jar" "$out/selfee.jar"
# The OpenCL ICD loader (ocl-icd, ~70 KiB) in case the device machine has a driver but no loader: GPU drivers ship
# only their vendor library (libnvidia-opencl.so.1); libOpenCL.so.1 comes from a distribution package.
loader=$(ldconfig -p 2>/dev/null | sed -n 's/^[[:space:]]*libOpenCL\.so\.1 (libc6,x86-64) => //p' | head -n 1)
if [ -n "$loader" ]; then
  mkdir -p "$out/opencl" && cp "$(readlink -f "$loader")" "$out/opencl/libOpenCL.so.1"
else
  echo "make-runtime: note: no libOpenCL.so.1 here to carry (install ocl-icd-libopencl1 to carry one)" >&2
fi
echo "$modules" >"$out/modules.txt"

size_kib=$(du -sk "$out" | cut -f1)
echo "make-runtime: $out is $((size_kib / 1024)) MiB ($size_kib KiB; java $(du -sk "$out/java" | cut -f1) KiB, jar $(du -sk "$out/selfee.jar" | cut -f1) KiB)" >&2
if [ "$size_kib" -gt $((limit_mib * 1024)) ]; then
  echo "make-runtime: FAILED: $out is over the $limit_mib MiB a device run can carry" >&2
  exit 1
fi
"$out/java/bin/java" --add-modules jdk.incubator.vector -jar "$out/selfee.jar" --help >/dev/null 2>&1 \
  || { echo "make-runtime: FAILED: the runtime in $out does not start selfee" >&2; exit 1; }
echo "make-runtime: ok" >&2
