#!/usr/bin/env bash
# Spark 4 needs Java 17 or newer: say so in one line, with the fix, when it is missing or too old.
set -u
fix="install it with: apt-get install -y openjdk-17-jre-headless (Debian/Ubuntu), or set JAVA_HOME to a JDK 17+"
java_bin=java
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && java_bin="$JAVA_HOME/bin/java"
if ! command -v "$java_bin" >/dev/null 2>&1; then
  echo "error: Java is not installed; Spark needs Java 17 or newer: $fix" >&2
  exit 1
fi
version=$("$java_bin" -version 2>&1 | sed -n 's/.*version "\([0-9]*\)\(\.[0-9]*\)*.*".*/\1/p' | head -n 1)
if [ -z "$version" ] || [ "$version" -lt 17 ]; then
  echo "error: Java ${version:-of unknown version} found; Spark needs Java 17 or newer: $fix" >&2
  exit 1
fi
