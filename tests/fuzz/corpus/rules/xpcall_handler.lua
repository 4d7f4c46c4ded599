-- a message handler that loops: called where a limit error is raised (issue 19, red team)
local function spin() while true do end end
xpcall(function() error("e") end, function(m) return m end)
rule "xpcall spin" { when = function(r) return xpcall(spin, spin) end,
  advise = function(r, a) a:exclude("website", "x") end }
