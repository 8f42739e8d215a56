#!/usr/bin/env bash
# curl_bulk.sh URL COUNT OUTDIR [extra curl args...]
# One curl process fetches URL COUNT times, one transfer at a time (so that a
# keep-alive connection is reused). Checks every response is 200 with body
# exactly "hello from synline\n". Prints one line:
#   ok <count> connects <n> seconds <s> rps <r>     (exit 0)
#   error: <reason>                                (exit 1)
set -uo pipefail
url="$1"; count="$2"; dir="$3"; shift 3
cfg="$dir/curl.cfg"; out="$dir/curl.out"; err="$dir/curl.err"
{
    echo 'silent'
    echo 'show-error'
    echo 'connect-timeout = 3'
    echo 'max-time = 10'
    echo 'write-out = "SLW %{http_code} %{num_connects} %{size_download}\n"'
    for ((i = 0; i < count; i++)); do echo "url = \"$url\""; done
} >"$cfg"
t0="$(date +%s.%N)"
curl --config "$cfg" "$@" >"$out" 2>"$err"
rc=$?
t1="$(date +%s.%N)"
# Expect exactly: count x ("hello from synline" line, "SLW 200 <n> 19" line).
awk -v want="$count" -v rc="$rc" -v t0="$t0" -v t1="$t1" -v errf="$err" '
    $0 == "hello from synline" { body++; next }
    $1 == "SLW" { if ($2 == "200" && $4 == "19") ok++; else bad++; conns += $3; next }
    { other++; if (!first) first = $0 }
    END {
        if (rc != 0 || ok != want || body != want || other || bad) {
            getline e < errf
            printf "error: curl exit %d; %d/%d responses 200 with 19-byte body; %d/%d bodies exact;" \
                   " %d bad status/size; %d unexpected lines (first: \"%s\"); curl: %s\n",
                   rc, ok, want, body, want, bad, other, substr(first, 1, 80), e
            exit 1
        }
        d = t1 - t0; if (d <= 0) d = 1e-9
        printf "ok %d connects %d seconds %.3f rps %.0f\n", ok, conns, d, ok / d
    }' "$out"
