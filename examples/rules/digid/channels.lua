-- Voorbeeld: DigiD-niveaus. Te laag of geen DigiD = nooit een doodlopende weg:
-- dan de balie of de telefoon (zorgplicht, Awb 2:1).

channel "website" {
  name = "Website", kind = "online", base = 50,
  contact = { url = "https://www.voorbeeldstad.nl/" },
}

channel "telefoon" {
  name = "Telefoon 14 039", kind = "phone", assisted = true, base = 30,
  hours = { mon = "08:30-17:00", tue = "08:30-17:00", wed = "08:30-17:00",
            thu = "08:30-17:00", fri = "08:30-17:00" },
  contact = { phone = "14 039" },
  route = { kind = "queue", queue = "kcc" },
}

channel "balie" {
  name = "Balie (op afspraak)", kind = "desk", assisted = true, base = 20,
  hours = { mon = "08:30-16:30", tue = "08:30-16:30", wed = "08:30-16:30",
            thu = "08:30-20:00", fri = "08:30-12:30" },
  contact = { url = "https://www.voorbeeldstad.nl/afspraak" },
}

fallback { channels = { "telefoon", "balie", "website" }, route = "telefoon" }
