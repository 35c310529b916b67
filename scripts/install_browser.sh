#!/usr/bin/env bash
# Headless Chromium and its WebDriver from Debian, for the HTML report's browser test
# (tests/test_html_report.py). Idempotent: `apt-get update` runs only when a package is missing.
# Never downloads a browser build of its own: Debian's chromium + chromium-driver only.
set -euo pipefail
cd "$(dirname "$0")"
bash ./install_system.sh chromium chromium-driver
