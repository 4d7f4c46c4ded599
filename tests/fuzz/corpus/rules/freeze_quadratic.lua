-- the freeze in linear time: many globals, a full table of table keys (issue 19, red team)
for i = 1, 4096 do _ENV[i] = i end
local t = {}
for i = 1, 1024 do t[{}] = i end
rule "keys" { when = function(r) return t ~= nil and _ENV[7] == 7 end,
  advise = function(r, a) a:exclude("website", "x") end }
