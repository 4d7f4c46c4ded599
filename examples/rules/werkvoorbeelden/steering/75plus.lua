-- Werkvoorbeeld 1: vanaf 1 januari 2027 krijgen inwoners van 75 jaar en ouder eerst de
-- telefoon. Waarom: klantonderzoek 2026; ouderen bellen liever dan dat ze online zoeken.
rule "75+: eerst de telefoon" {
  from = "2027-01-01",
  when = function(r) return r.citizen.age ~= nil and r.citizen.age >= 75 end,
  advise = function(r, a)
    a:first("telefoon", "Bel ons gerust: een medewerker helpt u.")
  end,
}
