rule "patterns" { when = function(r) local s = string.rep("a", 5000) return s:find("(a*)*b") ~= nil end,
  advise = function(r, a) a:only({"telefoon"}, "x") end }
