-- Een regel: een naam, een prioriteit (hoger gaat eerst), `when` (wanneer geldt hij?)
-- en `advise` (wat doet hij?). `r` is het verzoek (alleen lezen), `a` het advies:
--   a:prefer(kanaal, punten, reden)   a:avoid(kanaal, punten, reden)
--   a:exclude(kanaal, reden)          a:only({kanalen}, reden)
--   a:note(tekst)                     a:stop()
rule "weinig digitale vaardigheden: bellen" {
  priority = 10,
  when = function(r) return r.citizen.digitalSkills == "low" end,
  advise = function(r, a)
    a:prefer("telefoon", 30, "Een medewerker helpt u stap voor stap.")
  end,
}
