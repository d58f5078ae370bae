#!/bin/sh
# Produces the *.log files next to this script from a real nginx (Debian's /usr/sbin/nginx, run as root)
# on free loopback ports, one access_log per built-in format plus a timing and an escape=json format.
# Requests: ordinary GETs, a HEAD, a POST with a body, a weird method, quotes/backslashes/control and
# UTF-8 bytes in the target and headers, a proxied request (upstream times), a proxied request whose
# first upstream server is down (multi-valued "a, b" upstream times), and raw malformed request lines.
# Run: sh make-nginx-lines.sh   (needs nginx, curl, python3)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=$(mktemp -d)
mkdir -p "$prefix/logs" "$prefix/html"
chmod 755 "$prefix" "$prefix/html"
echo hello > "$prefix/html/index.html"
cat > "$prefix/nginx.conf" <<CONF
daemon on;
pid $prefix/nginx.pid;
error_log $prefix/logs/error.log;
events { worker_connections 64; }
http {
    client_header_timeout 2s;
    client_body_temp_path $prefix/body; proxy_temp_path $prefix/proxy;
    fastcgi_temp_path $prefix/fcgi; uwsgi_temp_path $prefix/uwsgi; scgi_temp_path $prefix/scgi;
    log_format main '\$remote_addr - \$remote_user [\$time_local] "\$request" '
                    '\$status \$body_bytes_sent "\$http_referer" '
                    '"\$http_user_agent" "\$http_x_forwarded_for"';
    log_format timing '\$remote_addr - \$remote_user [\$time_local] "\$request" \$status \$body_bytes_sent "\$http_referer" "\$http_user_agent" rt=\$request_time uct="\$upstream_connect_time" uht="\$upstream_header_time" urt="\$upstream_response_time"';
    log_format json escape=json '{"time":"\$time_iso8601","remote_addr":"\$remote_addr","request":"\$request",'
                    '"method":"\$request_method","uri":"\$request_uri","status":\$status,'
                    '"body_bytes_sent":\$body_bytes_sent,"bytes_sent":\$bytes_sent,"request_length":\$request_length,'
                    '"request_time":\$request_time,"urt":"\$upstream_response_time","host":"\$host",'
                    '"scheme":"\$scheme","ua":"\$http_user_agent"}';
    upstream two { server 127.0.0.1:18093; server 127.0.0.1:18092; }
    server {
        listen 127.0.0.1:18091;
        root $prefix/html;
        access_log $prefix/logs/main.log main;
        access_log $prefix/logs/combined.log combined;
        access_log $prefix/logs/timing.log timing;
        access_log $prefix/logs/json.log json;
        location /proxy { proxy_pass http://127.0.0.1:18092/; }
        location /two { proxy_pass http://two/; proxy_next_upstream error; }
    }
    server { listen 127.0.0.1:18092; access_log off; location / { return 200 "upstream\n"; } }
}
CONF
/usr/sbin/nginx -p "$prefix" -c "$prefix/nginx.conf"
sleep 0.5
u=http://127.0.0.1:18091
curl -s -o /dev/null "$u/"
curl -s -o /dev/null -I "$u/index.html"
curl -s -o /dev/null -A 'Mozilla/5.0 (X11; Linux x86_64) "quoted" \back' -e 'https://example.com/ü?q=1' -H 'X-Forwarded-For: 10.1.2.3, 10.4.5.6' "$u/missing?id=42&x=%22"
curl -s -o /dev/null -X POST --data 'a=1&b=2' "$u/index.html"
curl -s -o /dev/null -X PURGE "$u/cache/item"
curl -s -o /dev/null "$u/proxy/api/items/17"
curl -s -o /dev/null "$u/two/api"
python3 - <<'PY'
import socket
for raw in [b"GARBAGE\r\n\r\n", b"\x16\x03\x01\x00\xa5\x01\x00\r\n\r\n", b"GET /tab\there\xc3\xa9 HTTP/1.1\r\nHost: x\r\nUser-Agent: a\x01b\xffc\r\n\r\n", b"\r\n"]:
    s = socket.create_connection(("127.0.0.1", 18091)); s.sendall(raw)
    try: s.recv(4096)
    except Exception: pass
    s.close()
PY
sleep 0.3
kill -QUIT "$(cat "$prefix/nginx.pid")"
sleep 0.3
for f in main combined timing json; do
    { echo "# Real lines from nginx $(/usr/sbin/nginx -v 2>&1 | sed 's/.*\///'), log_format $f; made by make-nginx-lines.sh"; cat "$prefix/logs/$f.log"; } > "$here/nginx-$f.log"
done
rm -rf "$prefix"
