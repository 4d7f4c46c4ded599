-- r.channels.<id>.open zegt of een kanaal nu open is (openingstijden, feestdagen en
-- een eventuele statusmelding via PUT /v1/channels/{id}/status samen).
-- Gesloten kanalen zakken vanzelf onder de open kanalen; deze regel geeft een alternatief.
rule "telefoon dicht: wij bellen terug" {
  priority = 10,
  when = function(r) return not r.channels.telefoon.open end,
  advise = function(r, a)
    a:prefer("terugbelverzoek", 45, "De telefoon is nu gesloten. Wij bellen u de volgende werkdag terug.")
  end,
}

-- waitSeconds komt uit de statusmelding van de telefooncentrale (nil als onbekend).
rule "lange wachttijd: terugbellen" {
  priority = 10,
  when = function(r)
    local t = r.channels.telefoon
    return t.open and t.waitSeconds ~= nil and t.waitSeconds > 600
  end,
  advise = function(r, a)
    a:prefer("terugbelverzoek", 40, "Het is druk aan de telefoon. Wij bellen u terug.")
  end,
}
