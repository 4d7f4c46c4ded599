-- C library calls charged for their work (issue 19): each must end on the budget.
local big = ("a"):rep(1 << 20)
rule "costs" { when = function(r) return true end, advise = function(r, a)
  pcall(string.rep, "", 2^40, "")
  pcall(table.move, {}, 1, 2^40, 1, {})
  pcall(table.concat, setmetatable({}, { __index = rawlen }), "", 1, 2^40)
  pcall(table.insert, setmetatable({}, { __len = function() return 2^40 end }), 1, "x")
  pcall(table.sort, setmetatable({}, { __len = function() return 2^30 end, __index = rawlen }))
  pcall(table.unpack, {}, 1, 900000)
  pcall(utf8.len, big)
  pcall(utf8.codepoint, big, 1, -1)
  for _ in utf8.codes(("\x80"):rep(4096)) do end
  a:note(tostring(string.find(("a"):rep(20000), "(a*)%1%1b")))
  a:note(tostring(string.find(("("):rep(100000), "%b()")))
  a:note(tostring(string.find(("a"):rep(20000), ".-b")))
  a:note(tostring(string.find(big .. big, ("a"):rep(512 << 10) .. "b", 1, true)))
  a:note(select(2, big:gsub("", "x")) .. "")
end }
