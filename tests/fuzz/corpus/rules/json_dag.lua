-- a table that holds itself twice, 30 levels deep, as a case's data (issue 19, red team)
local t = { "x" }
for i = 1, 30 do t = { t, t } end
channel "dag" { name = "Dag", kind = "online", extra = t }
