-- Voorbeeld: openingstijden, feestdagen, een statusmelding en terugbellen.
-- Tijden gelden in Europe/Amsterdam (zomer- en wintertijd gaan vanzelf goed).

-- Op deze dagen zijn alle kanalen met openingstijden dicht. Mag vaker voorkomen.
holidays { "2026-12-25", "2026-12-26", "2027-01-01" }

channel "website" {
  name = "Website", kind = "online", base = 50,
  contact = { url = "https://www.voorbeeldstad.nl/" },
}

channel "telefoon" {
  name = "Telefoon 14 039", kind = "phone", assisted = true, base = 40,
  -- Per dag een tijdvak, of een lijst tijdvakken (pauze ertussen). Niet genoemd = dicht.
  hours = { mon = "08:30-17:00", tue = "08:30-17:00", wed = "08:30-17:00",
            thu = { "08:30-12:30", "13:30-20:00" }, fri = "08:30-12:30" },
  contact = { phone = "14 039" },
  route = { kind = "queue", queue = "kcc" },
}

-- Terugbellen: het formulier kan altijd (geen hours); wij bellen op werkdagen.
channel "terugbelverzoek" {
  name = "Terugbelverzoek", kind = "callback", assisted = true, base = 10,
  contact = { url = "https://www.voorbeeldstad.nl/terugbellen" },
  route = { kind = "callback", queue = "kcc_terugbellen" },
}

-- Voor wie niet kan bellen (doof, slechthorend): de balie.
channel "balie" {
  name = "Balie stadskantoor (op afspraak)", kind = "desk", assisted = true, base = 5,
  hours = { mon = "09:00-16:30", tue = "09:00-16:30", wed = "09:00-16:30",
            thu = "09:00-16:30", fri = "09:00-12:30" },
  contact = { address = "Stadhuisplein 1, Voorbeeldstad" },
}

fallback { channels = { "telefoon", "terugbelverzoek", "website" }, route = "terugbelverzoek" }
