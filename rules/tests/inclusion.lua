-- Digitale vaardigheden, leeftijd en toegankelijkheid (steering/inclusion.lua)

case "weinig digitale vaardigheden: persoonlijke hulp eerst" {
  request = { service = "kwijtschelding", citizen = { digitalSkills = "low" },
              context = { time = tijd.di_10 } },
  expect = { first = "telefoon", reason = { ido = "bibliotheek", website = "persoonlijke hulp" } },
}

case "weinig digitale vaardigheden bij burgerzaken: balie" {
  request = { service = "uittreksel_brp", citizen = { digitalSkills = "low", age = 80 },
              context = { time = tijd.di_10 } },
  expect = { first = "balie", reason = { balie = "samen met u", telefoon = "afspraak" } },
}

case "Wmo, digitaal vaardig: online aanvragen mag eerst" {
  request = { service = "wmo", citizen = { digitalSkills = "high", authLevel = "midden" },
              context = { time = tijd.di_10 } },
  expect = { first = "website" },
}

case "80 jaar: bellen mag altijd" {
  request = { service = "hondenbelasting", citizen = { age = 80 }, context = { time = tijd.di_10 } },
  expect = { reason = { telefoon = "gewoon bellen" } },
}

case "slechtziend: telefoon, niet de chat" {
  request = { service = "uittreksel_brp", citizen = { needs = { "visual" } },
              context = { time = tijd.di_10 } },
  expect = { first = "telefoon", reason = { chat = "slecht ziet", telefoon = "telefonisch" } },
}

case "slechthorend: schrijven in de chat of videobellen" {
  request = { service = "verhuizing", citizen = { needs = { "hearing" } },
              context = { time = tijd.di_10 } },
  expect = { order = { "website", "chat" },
             reason = { chat = "schrijft", videobellen = "gebarentaal", telefoon = "slecht hoort" } },
}

case "slecht ter been: videobellen vanuit huis" {
  request = { service = "kwijtschelding", citizen = { needs = { "mobility" } },
              context = { time = tijd.di_10 } },
  expect = { reason = { videobellen = "vanuit huis", balie = "misschien lastig" } },
}

case "lezen en schrijven lastig: telefoon en balie" {
  request = { service = "kwijtschelding", citizen = { needs = { "literacy" } },
              context = { time = tijd.di_10 } },
  expect = { first = "telefoon", notes = "meeleest",
             reason = { email = "lezen en schrijven", ido = "Taalhuis" } },
}
