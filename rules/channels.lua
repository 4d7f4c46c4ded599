-- Kanalen van Gemeente Voorbeeldstad.
--
-- Een kanaal is wat de inwoner ziet: een website, een telefoonnummer, een balie.
-- Volgorde in dit bestand = volgorde bij gelijke score in het advies.
-- Extra velden die de regels gebruiken:
--   languages  talen (ISO 639-2) waarin dit kanaal helpt; "sgn" = gebarentaal
--   tolk       true: we kunnen via dit kanaal een tolk inschakelen (Tolkcentrum)
--   gebarentaal true: gesprek met tolk gebarentaal mogelijk
--   digid      true: inloggen met DigiD nodig
-- En één veld dat de engine leest:
--   origin     de herkomst (context.origin) waarvoor dit kanaal staat in de sessie: een
--              advies via de website ("web") wordt vastgelegd als gebeurtenis op "website"

-- Feestdagen waarop het stadskantoor, de telefoon en de chat dicht zijn.
-- Waarom geen Goede Vrijdag: Voorbeeldstad is dan open (cao gemeenten: geen vrije dag).
-- Waarom geen Bevrijdingsdag: alleen in lustrumjaren vrij (2025, 2030).
feestdagen = {
  "2026-01-01", -- Nieuwjaarsdag
  "2026-04-05", -- 1e Paasdag
  "2026-04-06", -- 2e Paasdag
  "2026-04-27", -- Koningsdag
  "2026-05-14", -- Hemelvaartsdag
  "2026-05-24", -- 1e Pinksterdag
  "2026-05-25", -- 2e Pinksterdag
  "2026-12-25", -- 1e Kerstdag
  "2026-12-26", -- 2e Kerstdag
  "2027-01-01", -- Nieuwjaarsdag
  "2027-03-28", -- 1e Paasdag
  "2027-03-29", -- 2e Paasdag
  "2027-04-27", -- Koningsdag
  "2027-05-06", -- Hemelvaartsdag
  "2027-05-16", -- 1e Pinksterdag
  "2027-05-17", -- 2e Pinksterdag
  "2027-12-25", -- 1e Kerstdag
  "2027-12-26", -- 2e Kerstdag
}
holidays(feestdagen)

local werkdagen = { mon = "08:30-17:00", tue = "08:30-17:00", wed = "08:30-17:00",
                    thu = "08:30-17:00", fri = "08:30-17:00" }

channel "website" {
  name = "Website voorbeeldstad.nl", kind = "online", base = 50, hours = "always",
  contact = { url = "https://www.voorbeeldstad.nl/" },
  languages = { "nld", "eng" }, origin = { "web", "app" },
}

channel "mijn_omgeving" {
  name = "Mijn Voorbeeldstad (status van uw aanvraag)", kind = "portal", base = 30,
  hours = "always", digid = true,
  contact = { url = "https://mijn.voorbeeldstad.nl/" },
  languages = { "nld" },
}

-- Het Klantcontactcentrum (KCC) via het 14-nummer. Doelroute voor het keuzemenu (IVR).
channel "telefoon" {
  name = "Telefoon 14 039", kind = "phone", assisted = true, base = 35, hours = werkdagen,
  contact = { phone = "14 039", international = "+31 39 123 4567" },
  route = { kind = "queue", queue = "kcc", priority = 5 },
  languages = { "nld", "eng" }, tolk = true, origin = { "ivr", "kcc" },
}

-- Sociaal Team (Wmo, werk en inkomen, schulden): eigen wachtrij, alleen ochtenden.
-- Waarom een apart kanaal: de inwoner kiest in het keuzemenu "zorg en inkomen"
-- en krijgt direct een consulent; de regels in steering/sociaal.lua bepalen voor wie.
channel "telefoon_zorg" {
  name = "Sociaal Team 14 039, keuze 2", kind = "phone", assisted = true, base = 30,
  hours = { mon = "08:30-12:30", tue = "08:30-12:30", wed = "08:30-12:30",
            thu = "08:30-12:30", fri = "08:30-12:30" },
  contact = { phone = "14 039", keuze = "2" },
  route = { kind = "queue", queue = "sociaal_team", priority = 5 },
  languages = { "nld" }, tolk = true,
}

-- Balie in het stadskantoor, alleen op afspraak. Donderdag ook 's avonds.
channel "balie" {
  name = "Balie stadskantoor (op afspraak)", kind = "desk", assisted = true, base = 25,
  hours = { mon = "08:30-16:30", tue = "08:30-16:30", wed = "08:30-16:30",
            thu = { "08:30-16:30", "17:30-20:00" }, fri = "08:30-12:30" },
  contact = { url = "https://www.voorbeeldstad.nl/afspraak", label = "Maak een afspraak",
              address = "Stadhuisplein 1, 3901 AA Voorbeeldstad" },
  languages = { "nld", "eng" }, tolk = true, gebarentaal = true, origin = "balie",
}

channel "chat" {
  name = "Chat met een medewerker", kind = "chat", assisted = true, base = 30,
  hours = { mon = "09:00-17:00", tue = "09:00-17:00", wed = "09:00-17:00",
            thu = "09:00-17:00", fri = "09:00-12:30" },
  contact = { url = "https://www.voorbeeldstad.nl/chat" },
  languages = { "nld", "eng" }, origin = "chat",
}

-- Terugbelverzoek: het formulier kan altijd; wij bellen op de eerstvolgende werkdag.
channel "terugbelverzoek" {
  name = "Terugbelverzoek", kind = "callback", assisted = true, base = 15, hours = "always",
  contact = { url = "https://www.voorbeeldstad.nl/terugbellen", label = "Vraag een terugbelverzoek aan" },
  route = { kind = "callback", queue = "kcc_terugbellen", priority = 3 },
  languages = { "nld", "eng" },
}

-- Videobellen, ook met een tolk gebarentaal (via Tolkcentrum/Tolkcontact).
channel "videobellen" {
  name = "Videobellen met een medewerker", kind = "video", assisted = true, base = 10,
  hours = { tue = "09:00-12:00", thu = "13:00-16:00" },
  contact = { url = "https://www.voorbeeldstad.nl/videobellen" },
  languages = { "nld", "sgn" }, gebarentaal = true,
}

channel "email" {
  name = "E-mail", kind = "email", base = 10, hours = "always",
  contact = { email = "info@voorbeeldstad.nl" },
  languages = { "nld", "eng" }, origin = "email",
}

-- Post: papier blijft altijd toegestaan voor formele berichten (Wmebv).
channel "post" {
  name = "Per post", kind = "post", base = 0, hours = "always",
  contact = { address = "Gemeente Voorbeeldstad, Postbus 100, 3900 AA Voorbeeldstad" },
  languages = { "nld" }, origin = "post",
}

-- Informatiepunt Digitale Overheid (IDO) in de bibliotheek: hulp bij DigiD en online
-- formulieren. Geen gemeenteloket: aanvragen gaan daarna alsnog online.
channel "ido" {
  name = "Informatiepunt Digitale Overheid (Bibliotheek Voorbeeldstad)", kind = "desk",
  assisted = true, base = 5,
  hours = { tue = "10:00-12:00", thu = "14:00-16:00", sat = "10:00-12:00" },
  contact = { url = "https://www.bibliotheekvoorbeeldstad.nl/ido",
              label = "Bekijk wanneer het informatiepunt open is",
              address = "Marktplein 12, 3901 BC Voorbeeldstad" },
  languages = { "nld" },
}

-- Geplande sluitingen: het kanaal is dan gewoon dicht, met deze reden.
closures {
  balie = {
    { "2026-12-24 12:00", "2026-12-25", "Op kerstavond is het stadskantoor vanaf 12.00 uur gesloten." },
    { "2026-12-31 12:00", "2027-01-01", "Op oudejaarsdag is het stadskantoor vanaf 12.00 uur gesloten." },
  },
  telefoon = {
    { "2026-12-24 16:00", "2026-12-25", "Op kerstavond is de telefoon vanaf 16.00 uur gesloten." },
    { "2026-12-31 16:00", "2027-01-01", "Op oudejaarsdag is de telefoon vanaf 16.00 uur gesloten." },
  },
}

-- Als een regel faalt: dit advies, en de telefoon als doelroute.
fallback { channels = { "telefoon", "balie", "website", "terugbelverzoek" }, route = "telefoon" }

-- Gewenste kanaalmix (Dienstverleningsvisie 2026): digitaal waar het kan.
targets { website = 0.55, mijn_omgeving = 0.05, telefoon = 0.20, telefoon_zorg = 0.04,
          balie = 0.08, chat = 0.04, terugbelverzoek = 0.02, email = 0.01, ido = 0.01 }
