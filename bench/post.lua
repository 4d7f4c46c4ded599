-- (the same wrk script as ../shared/peers/load/post.lua, so figures compare)
-- wrk script: POST one JSON body (static request, so wrk spends no Lua per request).
-- usage: wrk -t1 -c32 -d8s --latency -s load/post.lua http://127.0.0.1:PORT/v1/advice -- BODY.json
-- env:   BENCH_TOKEN  (optional) adds "Authorization: Bearer $BENCH_TOKEN"
-- Prints one machine-readable line at the end:
--   WRKRESULT rps=… p50_us=… p90_us=… p99_us=… max_us=… requests=… non2xx=… sockerr=… bytes_per_resp=…
local body

function init(args)
  local path = args[1] or os.getenv("BODY")
  assert(path, "give the body file after --, or BODY=...")
  local f = assert(io.open(path, "rb"))
  body = f:read("*a")
  f:close()
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
  local tok = os.getenv("BENCH_TOKEN")
  if tok and tok ~= "" then wrk.headers["Authorization"] = "Bearer " .. tok end
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  local n = summary.requests
  io.write(string.format(
    "WRKRESULT rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d requests=%d non2xx=%d sockerr=%d bytes_per_resp=%d\n",
    n / secs, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    n, e.status, e.connect + e.read + e.write + e.timeout, n > 0 and math.floor(summary.bytes / n) or 0))
end
