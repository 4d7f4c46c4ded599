-- Hulp bij vastlopen en ingewikkelde aanvragen (steering/help.lua)

local twee_keer_afgehaakt = {
  id = "s10", service = "verhuizing", channel = "website",
  events = { { type = "abandoned", channel = "website", service = "verhuizing" },
             { type = "advice", channel = "website", service = "verhuizing" },
             { type = "abandoned", channel = "website" } },
}

case "twee keer afgehaakt: persoonlijke hulp" {
  request = { service = "verhuizing", context = { time = tijd.di_10 } },
  session = twee_keer_afgehaakt,
  expect = { first = "telefoon", notes = "lukte online nog niet",
             reason = { ido = "kijkt iemand met u mee" } },
}

case "twee keer afgehaakt 's avonds: wij bellen terug" {
  request = { service = "verhuizing", context = { time = tijd.ma_20 } },
  session = twee_keer_afgehaakt,
  route = true,
  expect = { first = "terugbelverzoek", route = "terugbelverzoek" },
}

case "één keer afgehaakt: nog geen extra hulp" {
  request = { service = "verhuizing", context = { time = tijd.di_10 } },
  session = { id = "s11", service = "verhuizing", channel = "website",
              events = { { type = "abandoned", channel = "website", service = "verhuizing" } } },
  expect = { first = "website" },
}

case "omgevingsvergunning: persoonlijk advies" {
  request = { service = "omgevingsvergunning", context = { time = tijd.di_10 } },
  expect = { reason = { telefoon = "persoonlijk advies", website = "Omgevingsloket" },
             notes = "vergunningcheck" },
}

case "overlijden aangeven: niet online" {
  request = { service = "overlijdensaangifte", context = { time = tijd.di_10 } },
  expect = { order = { "telefoon", "balie" }, notes = "uitvaartondernemer",
             reason = { website = "niet online regelen", balie = "Aan de balie" } },
}

case "emigratie: uiterlijk 5 dagen voor vertrek" {
  request = { service = "emigratie", context = { time = tijd.di_10 } },
  expect = { notes = "5 dagen voor uw vertrek" },
}
