-- a list condition compared in C, charged per comparison (issue 19, red team)
local vals = {}
for i = 1, 100000 do vals[i] = i end
rule "list" { citizen = { needs = vals }, context = { intent = vals },
  advise = function(r, a) a:exclude("website", "x") end }
