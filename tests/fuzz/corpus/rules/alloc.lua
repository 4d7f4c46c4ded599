rule "alloc" { when = function(r) local t = {} for i = 1, 1e9 do t[i] = ("x"):rep(100) .. i end return true end,
  advise = function(r, a) end }
