#!/usr/bin/env bash
# The slow tests open the HTML reports in headless Chromium (Debian's `chromium`). Install it when missing and we
# may (root with apt-get, as on CI); otherwise say in one line how, and carry on: those tests then skip.
set -u
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium for the HTML report tests" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && exit 0
fi
echo "warning: chromium is not installed; the page tests will skip (apt-get install -y chromium)" >&2
