-- Het kleinste geldige regelset: drie kanalen, één dienst, één regel, één test.
--
-- Een regelset is een map met:
--   channels.lua     de kanalen (dit bestand), plus holidays, fallback en targets
--   services.lua     de diensten (producten) van de gemeente
--   steering/*.lua   de regels, per onderwerp een bestand (op naam geladen)
--   tests/*.lua      de testgevallen; `wegwijzer test DIR` draait ze
--
-- Proberen:  wegwijzer check examples/rules/minimaal
--            wegwijzer test  examples/rules/minimaal

-- Een kanaal: id (kleine letters, cijfers, _), een naam en een soort (kind).
-- Zonder `hours` is een kanaal altijd open.
channel "website" {
  name = "Website", kind = "online",
  base = 50,                                        -- startscore; hoger = eerder in het advies
  contact = { url = "https://www.voorbeeldstad.nl/" },
}

-- Een kanaal waar een mens helpt (assisted = true). Elke dienst moet er minstens één
-- houden (zorgplicht, Awb 2:1). Met `route` is het ook een doel voor /v1/route (IVR).
channel "telefoon" {
  name = "Telefoon 14 039", kind = "phone", assisted = true, base = 30,
  hours = { mon = "08:30-17:00", tue = "08:30-17:00", wed = "08:30-17:00",
            thu = "08:30-17:00", fri = "08:30-17:00" },
  contact = { phone = "14 039" },
  route = { kind = "queue", queue = "kcc" },
}

-- Een doof of slechthorend mens kan niet bellen: de zorgplicht-test vraagt dan een ander
-- kanaal met een mens, zoals de balie (of chat).
channel "balie" {
  name = "Balie stadskantoor (op afspraak)", kind = "desk", assisted = true, base = 20,
  hours = { mon = "09:00-16:30", tue = "09:00-16:30", wed = "09:00-16:30",
            thu = "09:00-16:30", fri = "09:00-12:30" },
  contact = { address = "Stadhuisplein 1, Voorbeeldstad" },
}

-- Verplicht, precies één keer: wat het advies is als een regel faalt.
fallback { channels = { "telefoon", "website" }, route = "telefoon" }
