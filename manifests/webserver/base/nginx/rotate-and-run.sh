#!/bin/sh
LOG=/var/log/nginx/shared/access.log
LIMIT=16777216
INTERVAL=10
while sleep "$INTERVAL"; do
  size=$(stat -c %s "$LOG" 2>/dev/null || echo 0)
  if [ "$size" -gt "$LIMIT" ]; then
    mv "$LOG" "$LOG.1" && nginx -s reopen
  fi
done &
# Then start nginx exactly as the official image does.
exec /docker-entrypoint.sh nginx -g 'daemon off;'
