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

fallback { channels = { "telefoon", "balie", "website" }, route = "telefoon" }
