#!/bin/sh
# The one-shot `migrate` service of docker-compose.yml (runs in the archon72 image, as its non-root user).
# 1. Applies pending migrations (`archon72 migrate`; a second run prints "database is up to date").
# 2. With development keys (DEV_MODE=true), on the first start only: provisions the keys every api replica will
#    use (the event writer, the log key, the twelve development witnesses) into the shared data volume, so that
#    replicas started together (`docker-compose up -d --scale api=5`) find them instead of racing to create them.
#    With an HSM (DEV_MODE=false) the keys live in the HSM and the first `serve` provisions them.
# Any failure exits non-zero, and the api service (condition: service_completed_successfully) does not start.
set -eu

archon72() { node /app/bin/archon72.js "$@"; }

archon72 migrate

case "${DEV_MODE:-false}" in
  true | TRUE | True | 1 | yes | YES) ;;
  *) exit 0 ;;
esac

if [ -n "$(archon72 keys list --agent SYSTEM:EVENT_WRITER)" ]; then
  echo "compose-init: development keys already provisioned"
  exit 0
fi
WITNESS_BOOTSTRAP_ENABLED=true archon72 witness bootstrap
archon72 keys generate --agent SYSTEM:EVENT_WRITER
archon72 keys generate --agent SYSTEM:LOG
