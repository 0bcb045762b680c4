# Sourced by ./selfee and ./test: sets JAVA_HOME to a JDK >= 25, or exits with one line.
# Order: $JAVA_HOME, `java` on PATH, then well-known install locations.
selfee_java_version() { # prints the feature version of the JDK at $1, or nothing
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}
selfee_find_java() {
  local cands=() c v
  [ -n "${JAVA_HOME:-}" ] && cands+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    c=$(readlink -f "$(command -v java)"); cands+=("${c%/bin/java}")
  fi
  for c in /usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/local/jdk* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$c" ] && cands+=("$c")
  done
  for c in "${cands[@]}"; do
    v=$(selfee_java_version "$c")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then JAVA_HOME="$c"; export JAVA_HOME; return 0; fi
  done
  echo "selfee: needs a JDK 25 or newer (none found in JAVA_HOME, on PATH or under /usr/lib/jvm); install one, e.g. 'apt-get install temurin-25-jdk' or from adoptium.net, and set JAVA_HOME" >&2
  exit 2
}
selfee_find_java
