rule "co" { when = function(r) local t = setmetatable({}, {__index = function(t, k) return t[k] end}) return t.x end,
  advise = function(r, a) a:prefer("website", 1e308, "inf") end }
