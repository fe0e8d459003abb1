#!/bin/sh
# Fill in the proxy's settings, make a certificate if none is mounted, then run nginx in front.
set -eu
: "${PROXY_HOSTNAME:=localhost}"   # the name in the certificate made here
: "${PROXY_APP:=app:8501}"         # the Streamlit app (several replicas: sessions stick by client)
: "${PROXY_API:=service:8000}"     # the style service, or Ray Serve's proxy
: "${PROXY_RESOLVER:=127.0.0.11}"  # Docker's DNS, which knows every replica of the service
: "${PROXY_APP_MB:=200}"           # largest upload to the app (videos), MB
: "${PROXY_API_MB:=50}"            # largest request to the service, MB (NST_SERVICE_UPLOAD_MB)
: "${PROXY_API_RATE:=2}"           # service requests per second per client, bursts of 20
: "${PROXY_PAGE_RATE:=30}"         # app requests per second per client, bursts of 200
tls=/etc/nst-tls
if [ ! -s "$tls/cert.pem" ] || [ ! -s "$tls/key.pem" ]; then
  tls=/tmp/nst-tls
  mkdir -p "$tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=$PROXY_HOSTNAME" \
    -addext "subjectAltName=DNS:$PROXY_HOSTNAME" -keyout "$tls/key.pem" -out "$tls/cert.pem" 2>/dev/null
  echo "nst-proxy: no certificate in /etc/nst-tls; made a self-signed one for $PROXY_HOSTNAME"
fi
sed -e "s|@APP@|$PROXY_APP|g" -e "s|@API@|$PROXY_API|g" -e "s|@TLS@|$tls|g" -e "s|@RESOLVER@|$PROXY_RESOLVER|g" \
    -e "s|@APP_MB@|$PROXY_APP_MB|g" -e "s|@API_MB@|$PROXY_API_MB|g" \
    -e "s|@API_RATE@|$PROXY_API_RATE|g" -e "s|@PAGE_RATE@|$PROXY_PAGE_RATE|g" \
    /etc/nginx/nginx.conf.template > /tmp/nginx.conf
exec nginx -c /tmp/nginx.conf -g 'daemon off;'
