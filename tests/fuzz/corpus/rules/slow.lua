-- Slow single instructions (== on 1 MiB strings): only the decision's time limit ends it.
local big, big2 = ("a"):rep(1 << 20), ("b"):rep(1 << 20)
rule "slow" { when = function(r) return true end, advise = function(r, a)
  local n = 0
  while true do if big .. "" == big2 then n = n + 1 end end
end }
