rule "loop" { when = function(r) while true do end end, advise = function(r, a) end }
