closures { telefoon = { { "2026-12-24 12:00", "2026-12-25", "Kerstavond" },
                        { "2026-03-29 02:30", "2026-10-25 02:30", "zomer" } } }
channel "later" { name = "Later", kind = "chat", from = "2027-01-01", to = "2028-01-01T00:00:00+01:00" }
service "nieuw" { name = "Nieuw", ["until"] = "2030-01-01" }
rule "tijdelijk" { from = "2026-01-01", to = "2099-12-31 23:59",
  when = function(r) return r.channels.telefoon.closedBy ~= "closure" end,
  advise = function(r, a) a:note(tostring(r.channels.telefoon.reason)) end }
