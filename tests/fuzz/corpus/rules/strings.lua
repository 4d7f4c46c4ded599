rule "str" { priority = 1e9, when = function(r) return #string.format("%099d", 1) > 0 and utf8.char(0x10FFFF) ~= "" end,
  advise = function(r, a) a:note(("\0"):rep(10)) a:note(tostring(r.session)) end }
