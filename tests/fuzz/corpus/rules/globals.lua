x = 1
local up = {}
rule "mutate" { when = function(r) up[#up+1] = 1; x = 2; return true end, advise = function(r, a) a:avoid("website", 5, "y") end }
