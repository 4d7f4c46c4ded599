rule "pcall swallow" { when = function(r) for i = 1, 100 do pcall(function() while true do end end) end return true end,
  advise = function(r, a) a:exclude("website", "x") end }
