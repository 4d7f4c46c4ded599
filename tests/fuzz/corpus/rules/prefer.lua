rule "fuzz prefer" {
  priority = 5,
  when = function(r) return r.citizen.age and r.citizen.age > 70 end,
  advise = function(r, a) a:prefer("telefoon", 20, "ouder") a:note("n") end,
}
