# nginx as nginxinc/nginx-unprivileged runs it, made from whatever nginx image the tests use (the
# official one, or the local stand-in): the same steps the unprivileged image's own Dockerfile takes on
# top of the official image. Port 8080, no `user` directive, pid and temp files in /tmp, configuration
# and cache owned by UID 101, USER 101.
ARG NGINX_IMAGE=nginx:1.27
FROM ${NGINX_IMAGE}
ARG UID=101
RUN sed -i 's,listen       80;,listen       8080;,' /etc/nginx/conf.d/default.conf \
 && sed -i 's,listen  \[::\]:80;,listen  [::]:8080;,' /etc/nginx/conf.d/default.conf \
 && sed -i '/user  nginx;/d' /etc/nginx/nginx.conf \
 && sed -i 's,\(/var\)\{0\,1\}/run/nginx.pid,/tmp/nginx.pid,' /etc/nginx/nginx.conf \
 && sed -i "/^http {/a \    proxy_temp_path /tmp/proxy_temp;\n    client_body_temp_path /tmp/client_temp;\n    fastcgi_temp_path /tmp/fastcgi_temp;\n    uwsgi_temp_path /tmp/uwsgi_temp;\n    scgi_temp_path /tmp/scgi_temp;\n" /etc/nginx/nginx.conf \
 && mkdir -p /var/cache/nginx \
 && chown -R $UID:0 /var/cache/nginx /etc/nginx \
 && chmod -R g+w /var/cache/nginx /etc/nginx
EXPOSE 8080
STOPSIGNAL SIGQUIT
USER $UID
