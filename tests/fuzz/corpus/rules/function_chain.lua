-- a long chain of functions, each holding the next: the freeze's walk is bounded (issue 19,
-- red team; it overflowed the C stack)
local f = function() return 0 end
for i = 1, 5000 do local g = f f = function() return g end end
rule "chain" { when = function(r) return f ~= nil end,
  advise = function(r, a) a:exclude("website", "x") end }
