# SPDX-License-Identifier: MIT
# Shared helpers for idxd-ims scripts (sourced, not run).
top=${top:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
CACHE=${IDXD_IMS_CACHE:-$top/.cache}
log() { printf '[%s] %s\n' "$(basename "$0" .sh)" "$*" >&2; }
die() { printf '[%s] error: %s\n' "$(basename "$0" .sh)" "$*" >&2; exit 1; }
