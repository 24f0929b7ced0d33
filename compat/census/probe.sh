#!/usr/bin/env bash
# The census's client, run by netns.sh --probe inside a host's namespaces
# once it has settled:
#
#   probe.sh WORK
#
# The targets are WORK/targets when the caller wrote it (moonport is asked
# what Prosody was asked); else they are found and written there: every
# HTTP app Prosody's log says it serves ("Serving 'x' at http://…/path")
# and every listening TCP socket except the ports the census config opens
# anyway (5222 c2s, 5269 s2s, 5280/5281 HTTP and HTTPS). Each app is also
# asked a path under it that it does not have ("PATH/census-missing"),
# where mod_http_errors answers (its lines fixed by the census config). It
# prints one line per target:
#
#   http PATH -> STATUS CONTENT-TYPE BYTES sha256:PREFIX [location:URL]   GET http://localhost:5280PATH
#   tcp ADDRESS PORT -> BYTES                              what the server sends first (od -c), "(nothing)" or "(refused)"
#
# Every request is bounded (3 s).
set -u
work=$1
cd "$work" || exit 2

if [ ! -f targets ]; then
	{
		grep -o "Serving '[^']*' at https\?://[^ ]*" out | sed 's|.* at https\?://[^/]*||; s|/$||' |
			awk '{ print "http " $0; print "http " $0 "/census-missing" }'
		ss -ltnH | awk '{ print $4 }' | sed -E 's/^(\*|0\.0\.0\.0|127\.0\.0\.1):/127.0.0.1 /; s/^\[(::|::1)\]:/::1 /; s/^\[([^]]*)\]:/\1 /; s/^([0-9.]+):/\1 /' |
			awk '$2 != 5222 && $2 != 5269 && $2 != 5280 && $2 != 5281 { print "tcp", $1, $2 }'
	} | sort -u >targets
fi

while read -r kind a b; do
	case "$kind" in
	http)
		res=$(curl -sS -m 3 --resolve localhost:5280:127.0.0.1 -o body -w '%{http_code}|%{content_type}|%{redirect_url}' "http://localhost:5280$a" 2>/dev/null) || res="$res (curl failed)"
		IFS='|' read -r code ctype loc <<<"$res"
		echo "http $a -> ${code:-(no answer)} $ctype $(wc -c <body 2>/dev/null || echo 0) sha256:$(sha256sum body 2>/dev/null | cut -c1-12)${loc:+ location:$loc}"
		rm -f body
		;;
	tcp)
		if ! timeout 3 nc -z -w 1 "$a" "$b" 2>/dev/null; then
			echo "tcp $a $b -> (refused)"
			continue
		fi
		got=$(timeout 3 nc -w 1 "$a" "$b" </dev/null | head -c 64 | od -An -c | tr -s ' \n' ' ')
		echo "tcp $a $b -> ${got:-(nothing)}"
		;;
	esac
done <targets
