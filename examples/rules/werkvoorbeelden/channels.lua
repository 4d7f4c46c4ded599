-- De werkvoorbeelden uit docs/rules.md, hoofdstuk 8.7: drie gewone wijzigingen in een
-- paar regels, elk met zijn tests.
--
-- Proberen:  wegwijzer test examples/rules/werkvoorbeelden

local werkdagen = { mon = "08:30-17:00", tue = "08:30-17:00", wed = "08:30-17:00",
                    thu = "08:30-17:00", fri = "08:30-17:00" }

channel "website" {
  name = "Website", kind = "online", base = 75,
  contact = { url = "https://www.voorbeeldstad.nl/" },
}

channel "telefoon" {
  name = "Telefoon 14 039", kind = "phone", assisted = true, base = 65, hours = werkdagen,
  contact = { phone = "14 039" },
  route = { kind = "queue", queue = "kcc" },
}

channel "balie" {
  name = "Balie stadskantoor (op afspraak)", kind = "desk", assisted = true, base = 40,
  hours = werkdagen,
  contact = { address = "Stadhuisplein 1, Voorbeeldstad" },
}

channel "chat" {
  name = "Chat met een medewerker", kind = "chat", assisted = true, base = 30,
  hours = werkdagen,
  contact = { url = "https://www.voorbeeldstad.nl/chat" },
}

-- Werkvoorbeeld 2: de balie is op kerstavond (donderdag 24 december 2026) vanaf 12:00 dicht.
-- Geen regel: het kanaal is dan gewoon gesloten, met deze reden.
closures {
  balie = {
    { "2026-12-24 12:00", "2026-12-25", "Op kerstavond is de balie vanaf 12.00 uur gesloten." },
  },
}

fallback { channels = { "telefoon", "balie", "website" }, route = "telefoon" }
