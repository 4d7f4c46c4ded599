-- wrk script: POST the bodies of a corpus file in turn, one JSON body per line (bench/http.sh
-- writes it with bench/http_corpus.py). The requests are formatted once, in init; per
-- request wrk only calls request(), which hands out the next one (all connections of the
-- thread share the turn, so neighbouring requests differ).
-- usage: wrk -t1 -c32 -d8s --latency -s bench/corpus.lua http://127.0.0.1:PORT/v1/advice -- CORPUS.txt
-- env:   BENCH_TOKEN  (optional) adds "Authorization: Bearer $BENCH_TOKEN"
-- Prints the same WRKRESULT line as post.lua: its done() is used (its init is replaced).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "post.lua")

local reqs, n, i = {}, 0, 0

function init(args)
  local path = args[1] or os.getenv("CORPUS")
  assert(path, "give the corpus file after --, or CORPUS=...")
  local headers = { ["Content-Type"] = "application/json" }
  local tok = os.getenv("BENCH_TOKEN")
  if tok and tok ~= "" then headers["Authorization"] = "Bearer " .. tok end
  for line in io.lines(path) do
    if line ~= "" then
      n = n + 1
      reqs[n] = wrk.format("POST", nil, headers, line)
    end
  end
  assert(n > 0, "the corpus " .. path .. " is empty")
end

function request()
  i = i % n + 1
  return reqs[i]
end
