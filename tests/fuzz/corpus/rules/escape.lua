local ok = pcall(function() return io, os, debug, require, load, string.dump end)
rule "escape" { when = function(r) getmetatable("").__index = nil; r.citizen.x = 1; return true end,
  advise = function(r, a) a:stop() end }
