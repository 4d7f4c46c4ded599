-- Many notes, most repeated (issue 19: the limit held only when an array grew).
rule "notes" { when = function(r) return true end, advise = function(r, a)
  for i = 1, 30000 do a:note("n" .. (i % 7)) end
  for i = 1, 21000 do a:note("d" .. i) end
end }
